"""JWT authorizers on an HTTP API: issuer, audience, expiry, signature (against the JWKS the
api.jwks setting names) and scopes, with the claims passed to the function."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.harness import ApiProcess

ISSUER = "https://issuer.lamina.test"


@pytest.fixture(scope="module")
def keys() -> tuple[Any, Any]:
    """(the issuer's key, a stranger's key)."""
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, keys: tuple[Any, Any]) -> Iterator[ApiProcess]:
    def write_jwks(root: Path) -> None:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(keys[0].public_key()))
        public.update(kid="key-1", use="sig", alg="RS256")
        (root / "jwks.json").write_text(json.dumps({"keys": [public]}))

    process = ApiProcess("jwt", tmp_path_factory.mktemp("jwt"), prepare=write_jwks)
    try:
        yield process
    finally:
        process.stop()


def token(key: Any, **claims: Any) -> str:
    body = {"iss": ISSUER, "aud": "my-app", "sub": "alice", "exp": int(time.time()) + 600}
    body.update(claims)
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "key-1"})


def get(api: ApiProcess, path: str, bearer: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return requests.get(api.url + path, headers=headers, timeout=30)


def test_a_valid_token_passes_its_claims(api: ApiProcess, keys: tuple[Any, Any]) -> None:
    response = get(api, "/me", token(keys[0], scope="profile orders:read"))
    assert response.status_code == 200, response.text
    authorizer = response.json()
    assert authorizer["jwt"]["claims"]["sub"] == "alice"
    assert authorizer["jwt"]["claims"]["iss"] == ISSUER
    assert authorizer["jwt"]["scopes"] == ["profile", "orders:read"]


@pytest.mark.parametrize(
    "case", ["missing", "expired", "audience", "issuer", "signature", "garbage"]
)
def test_a_bad_token_is_401(api: ApiProcess, keys: tuple[Any, Any], case: str) -> None:
    bearer = {
        "missing": None,
        "expired": token(keys[0], exp=int(time.time()) - 60),
        "audience": token(keys[0], aud="someone-else"),
        "issuer": token(keys[0], iss="https://elsewhere.test"),
        "signature": token(keys[1]),
        "garbage": "not.a.jwt",
    }[case]
    response = get(api, "/me", bearer)
    assert (response.status_code, response.json()) == (401, {"message": "Unauthorized"})


def test_a_route_scope_the_token_lacks_is_403(api: ApiProcess, keys: tuple[Any, Any]) -> None:
    assert get(api, "/orders", token(keys[0], scope="orders:read")).status_code == 200
    denied = get(api, "/orders", token(keys[0], scope="profile"))
    assert (denied.status_code, denied.json()) == (403, {"message": "Forbidden"})


def test_a_rest_cognito_authorizer(api: ApiProcess, keys: tuple[Any, Any]) -> None:
    pool = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test"
    raw = token(keys[0], iss=pool, aud="some-app-client", token_use="id")
    allowed = requests.get(api.url + "/rest/me", headers={"Authorization": raw}, timeout=30)
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["claims"]["token_use"] == "id"
    wrong_pool = token(keys[0])  # the HTTP API's issuer, not the pool's
    refused = requests.get(api.url + "/rest/me", headers={"Authorization": wrong_pool}, timeout=30)
    assert (refused.status_code, refused.json()) == (401, {"message": "Unauthorized"})
