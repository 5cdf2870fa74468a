"""`lamina api` on a Terraform configuration's guarded APIs (apps/tf_guarded): REST TOKEN,
REQUEST and Cognito authorizers (`aws_api_gateway_authorizer`), an API key under a usage plan
(`aws_api_gateway_api_key`, `_usage_plan`, `_usage_plan_key`), a non-proxy integration with
`request_templates` and `aws_api_gateway_integration_response`s, CORS from an OPTIONS method's
MOCK integration; HTTP API Lambda and JWT authorizers (`aws_apigatewayv2_authorizer`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests

from gateway.harness import ApiProcess

KEY = "tf-key-0123456789abcdefghij"
POOL_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Guarded"
# No api.jwks setting: signatures are not checked (a warning says so), the rest is.
SECRET = "any-secret-since-signatures-are-not-checked"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("tf_guarded", tmp_path_factory.mktemp("tf_guarded"))
    yield api
    api.stop()


def get(api: ApiProcess, path: str, **headers: str) -> requests.Response:
    return requests.get(api.url + path, headers=headers, timeout=30)


def token(**claims: object) -> str:
    return jwt.encode({"exp": int(time.time()) + 600, **claims}, SECRET, algorithm="HS256")


def test_every_guard_is_read(guarded: ApiProcess) -> None:
    assert "serving 8 route(s)" in guarded.banner[0]
    log = guarded.stderr()
    assert "is not checked" not in log
    assert "served without it" not in log
    assert "not read, lamina api serves the APIs without them" not in log


def test_rest_lambda_authorizers(guarded: ApiProcess) -> None:
    allowed = get(guarded, "/token", Authorization="allow")
    assert allowed.json()["authorizer"] == {"principalId": "alice", "kind": "TOKEN"}
    assert get(guarded, "/token", Authorization="deny").status_code == 403
    assert get(guarded, "/token", Authorization="ALLOW").status_code == 401  # the expression
    request = get(guarded, "/request?tenant=t1", **{"X-Key": "k1"})
    assert request.json()["authorizer"] == {"principalId": "alice", "tenant": "t1"}
    assert get(guarded, "/request?tenant=t1", **{"X-Key": "k2"}).status_code == 403


def test_a_cognito_authorizer_takes_tokens_of_its_pool_only(guarded: ApiProcess) -> None:
    answer = get(guarded, "/pool", Authorization=token(sub="u1", iss=POOL_ISSUER))
    assert answer.status_code == 200
    assert answer.json()["authorizer"]["claims"]["sub"] == "u1"
    other = token(sub="u1", iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other")
    assert get(guarded, "/pool", Authorization=other).status_code == 401
    assert get(guarded, "/pool").status_code == 401


def test_an_api_key_counts_against_the_usage_plans_quota(guarded: ApiProcess) -> None:
    assert get(guarded, "/keyed").json() == {"message": "Forbidden"}
    for _ in range(2):  # quota_settings: 2 a day
        assert get(guarded, "/keyed", **{"x-api-key": KEY}).json()["apiKey"] == KEY
    over = get(guarded, "/keyed", **{"x-api-key": KEY})
    assert (over.status_code, over.json()) == (429, {"message": "Limit Exceeded"})


def test_a_non_proxy_integration_and_its_integration_responses(guarded: ApiProcess) -> None:
    url = guarded.url + "/lookup"
    found = requests.post(url, json={"id": 7}, timeout=30)
    assert (found.status_code, found.json()) == (200, {"found": {"id": 7, "stage": "dev"}})
    missing = requests.post(url, json={"id": 0}, timeout=30)
    assert (missing.status_code, missing.json()) == (404, {"error": "item 0 not found"})
    assert missing.headers["X-Reason"] == "missing"
    text = {"Content-Type": "text/plain"}
    assert requests.post(url, data="7", headers=text, timeout=30).status_code == 415


def test_the_options_mock_integration_answers_the_preflight(guarded: ApiProcess) -> None:
    preflight = requests.options(
        guarded.url + "/token",
        headers={"Origin": "https://guarded.example", "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://guarded.example"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert preflight.headers["Access-Control-Allow-Headers"] == "Authorization"


def test_http_api_lambda_and_jwt_authorizers(guarded: ApiProcess) -> None:
    simple = get(guarded, "/simple", Authorization="yes")
    assert simple.json()["authorizer"] == {"lambda": {"who": "bob", "identity": ["yes"]}}
    assert get(guarded, "/simple", Authorization="no").status_code == 403
    claims = {"sub": "u2", "iss": "https://issuer.guarded.test", "aud": "guarded"}
    ok = get(guarded, "/jwt", Authorization="Bearer " + token(**claims, scope="orders:read"))
    assert ok.json()["authorizer"]["jwt"]["claims"]["sub"] == "u2"
    narrow = token(**claims, scope="orders:write")
    assert get(guarded, "/jwt", Authorization="Bearer " + narrow).status_code == 403
    stranger = token(**{**claims, "aud": "someone-else"}, scope="orders:read")
    assert get(guarded, "/jwt", Authorization="Bearer " + stranger).status_code == 401


def test_a_jwt_authorizer_of_a_pool_the_configuration_creates(guarded: ApiProcess) -> None:
    """Its issuer and audience are only known once applied: any are taken, with a warning."""
    log = guarded.stderr()
    where = "warning: aws_apigatewayv2_authorizer.members: "
    assert where + "Issuer https://${aws_cognito_user_pool.members.endpoint} is only" in log
    assert "is not resolved" not in log  # said once, by the authorizer
    assert where + "Audience ${aws_cognito_user_pool_client.web.id} is only known once" in log
    member = token(sub="m1", iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X")
    answer = get(guarded, "/members", Authorization=member)
    assert answer.json()["authorizer"]["jwt"]["claims"]["sub"] == "m1"
    assert get(guarded, "/members").status_code == 401


def test_a_usage_plans_throttle_block_limits_its_method_per_key(tmp_path: Path) -> None:
    """`api_stages { throttle { path, burst_limit, rate_limit } }`: a bucket per key for that
    method (counted in answers: a burst of 1 and a rate far below the test's pace)."""

    def throttle_keyed(root: Path) -> None:
        rest = root / "rest.tf"
        stage = "    stage  = aws_api_gateway_stage.dev.stage_name\n"
        block = '    throttle {\n      path = "/keyed/GET"\n      burst_limit = 1\n' \
                "      rate_limit = 0.01\n    }\n"  # fmt: skip
        rest.write_text(rest.read_text().replace(stage, stage + block))

    api = ApiProcess("tf_guarded", tmp_path, prepare=throttle_keyed)
    try:
        assert get(api, "/keyed", **{"x-api-key": KEY}).status_code == 200
        refused = get(api, "/keyed", **{"x-api-key": KEY})
        assert refused.status_code == 429
        assert refused.json() == {"message": "Too Many Requests"}
        api.wait_for_log("throttled on /keyed/GET: RateLimit 0.01/s, BurstLimit 1")
    finally:
        api.stop()
