"""A JWT authorizer whose issuer and audience are a nested stack's outputs (only known once
deployed): `lamina api` takes any issuer and audience, says so once at start, and still checks
expiry and the scopes the authorizer itself lists (SAM gives them to each route that names none).
It had kept the unresolved placeholder as the issuer, refusing every token, and had not checked
the authorizer's own scopes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests

from gateway.harness import ApiProcess


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    process = ApiProcess("jwt_deployed", tmp_path_factory.mktemp("jwt_deployed"))
    try:
        yield process
    finally:
        process.stop()


def token(**claims: Any) -> str:
    body = {"sub": "u1", "iss": "https://cognito-idp.us-east-1.amazonaws.com/pool-1"}
    body.update(client_id="app-client", scope="email openid", exp=int(time.time()) + 600)
    return jwt.encode(
        {**body, **claims}, "no JWKS here, so the signature is not checked", algorithm="HS256"
    )


def call(api: ApiProcess, bearer: str) -> requests.Response:
    return requests.get(api.url + "/", headers={"Authorization": f"Bearer {bearer}"}, timeout=30)


def test_any_issuer_and_audience_are_taken_with_a_warning(api: ApiProcess) -> None:
    answer = call(api, token())
    assert answer.status_code == 200, answer.text
    assert answer.json()["claims"]["iss"] == "https://cognito-idp.us-east-1.amazonaws.com/pool-1"
    other = call(api, token(iss="https://elsewhere.example", client_id="another"))
    assert other.status_code == 200, other.text
    warnings = [line for line in api.stderr().splitlines() if line.startswith("lamina: warning")]
    where = "AppApi.Auth.Authorizers.OAuth2Authorizer.JwtConfiguration: "
    assert any(where + "Issuer ${GetAtt:AuthStack.Outputs.Issuer} is only known" in w
               and w.endswith("any issuer is taken") for w in warnings), warnings  # fmt: skip
    assert any(where + "Audience ${GetAtt:AuthStack.Outputs.UserPoolClientId}" in w
               and w.endswith("any audience is taken") for w in warnings), warnings  # fmt: skip


def test_expiry_and_scopes_are_still_checked(api: ApiProcess) -> None:
    assert call(api, token(exp=int(time.time()) - 60)).status_code == 401
    assert call(api, token(scope="openid")).status_code == 403
