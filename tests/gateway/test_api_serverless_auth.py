"""`lamina api` on a Serverless Framework service whose `http`/`httpApi` events say `cors`,
`authorizer` and `private`, with `provider.httpApi` (CORS, Lambda and JWT authorizers) and
`provider.apiGateway.apiKeys`: each setting takes effect as the SAM settings it maps to do."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gateway.harness import ApiProcess


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("sls_auth", tmp_path_factory.mktemp("sls_auth"))
    yield api
    api.stop()


def get(api: ApiProcess, path: str, **headers: str) -> requests.Response:
    return requests.get(api.url + path, headers=headers, timeout=30)


def test_a_token_authorizer_named_by_function_key(service: ApiProcess) -> None:
    allowed = get(service, "/token", Authorization="allow")
    assert allowed.status_code == 200
    assert allowed.json() == {"authorizer": {"principalId": "alice", "kind": "TOKEN"}}
    assert get(service, "/token", Authorization="deny").status_code == 403
    assert get(service, "/token").status_code == 401  # no token: the authorizer isn't asked


def test_a_request_authorizer_named_by_its_deployed_arn(service: ApiProcess) -> None:
    allowed = requests.get(
        service.url + "/request", params={"tenant": "t1"}, headers={"X-Key": "k1"}, timeout=30
    )
    assert allowed.json() == {"authorizer": {"principalId": "alice", "tenant": "t1"}}
    denied = requests.get(
        service.url + "/request", params={"tenant": "t1"}, headers={"X-Key": "no"}, timeout=30
    )
    assert denied.status_code == 403
    # An identity source missing: 401 without asking the authorizer, as on AWS.
    assert get(service, "/request", **{"X-Key": "k1"}).status_code == 401


def test_private_needs_one_of_the_services_api_keys(service: ApiProcess) -> None:
    assert get(service, "/keyed").status_code == 403
    assert get(service, "/keyed", **{"x-api-key": "another"}).status_code == 403
    assert get(service, "/keyed", **{"x-api-key": "partner-key-0123456789"}).status_code == 200
    assert get(service, "/open").status_code == 200  # no key asked elsewhere


def test_authorizer_aws_iam_needs_a_signature(service: ApiProcess) -> None:
    unsigned = get(service, "/iam")
    assert (unsigned.status_code, unsigned.json()) == (
        403,
        {"message": "Missing Authentication Token"},
    )
    service.wait_for_log("GET /iam 403")
    assert "AWS_IAM: the request is not signed" in service.stderr()


def test_an_httpapi_lambda_authorizer_from_provider_httpapi(service: ApiProcess) -> None:
    allowed = get(service, "/v2/simple", Authorization="yes")
    assert allowed.status_code == 200
    assert allowed.json() == {"authorizer": {"lambda": {"who": "bob"}}}
    assert get(service, "/v2/simple", Authorization="no").status_code == 403


def unsigned_jwt(**claims: object) -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


def test_an_httpapi_jwt_authorizer_checks_issuer_audience_and_scopes(
    service: ApiProcess,
) -> None:
    # No JWKS is configured for this issuer: lamina api warns, and checks the claims only.
    good = {"iss": "https://issuer.example", "aud": "my-app", "scope": "read", "exp": 4102444800}
    allowed = get(service, "/v2/jwt", Authorization="Bearer " + unsigned_jwt(**good))
    assert allowed.status_code == 200
    assert allowed.json()["authorizer"]["jwt"]["claims"]["aud"] == "my-app"
    assert allowed.json()["authorizer"]["jwt"]["scopes"] == ["read"]
    wrong_audience = unsigned_jwt(**{**good, "aud": "other"})
    assert get(service, "/v2/jwt", Authorization="Bearer " + wrong_audience).status_code == 401
    no_scope = unsigned_jwt(**{**good, "scope": "write"})
    assert get(service, "/v2/jwt", Authorization="Bearer " + no_scope).status_code == 403
    assert get(service, "/v2/jwt").status_code == 401
    assert get(service, "/v2/open").status_code == 200
    service.wait_for_log("no JWKS for https://issuer.example")


def test_cors_true_on_an_http_event_answers_the_preflight(service: ApiProcess) -> None:
    preflight = requests.options(
        service.url + "/open",
        headers={"Origin": "http://site.example", "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Methods"] == "OPTIONS,GET"
    assert "X-Api-Key" in preflight.headers["Access-Control-Allow-Headers"].split(",")


def test_provider_httpapi_cors_answers_and_decorates(service: ApiProcess) -> None:
    ask = {"Origin": "http://app.example", "Access-Control-Request-Method": "GET"}
    preflight = requests.options(service.url + "/v2/open", headers=ask, timeout=30)
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://app.example"
    assert preflight.headers["Access-Control-Allow-Credentials"] == "true"
    answer = get(service, "/v2/open", Origin="http://app.example")
    assert answer.headers["Access-Control-Allow-Origin"] == "http://app.example"
    other = get(service, "/v2/open", Origin="http://elsewhere.example")
    assert "Access-Control-Allow-Origin" not in other.headers


LEFT_OUT_EVENTS = """
      - http:
          path: templated
          method: post
          request:
            template: {application/json: '{"body": $input.json("$")}'}
            parameters: {querystrings: {page: true}}
      - http: {path: templated2, method: get, request: {parameters: {headers: {X-Id: true}}}}
      - http: {path: nonproxy, method: get, integration: lambda}
      - http: {path: outside, method: get, authorizer: {type: CUSTOM, authorizerId: abc123}}
      - httpApi: {path: /v2/outside, method: get, authorizer: {id: xyz789}}
"""


def test_what_is_left_out_is_named_once_and_the_routes_still_answer(tmp_path: Path) -> None:
    def add_events(root: Path) -> None:
        text = (root / "serverless.yml").read_text()
        marker = "      - httpApi: GET /v2/open\n"
        (root / "serverless.yml").write_text(text.replace(marker, marker + LEFT_OUT_EVENTS[1:]))

    api = ApiProcess("sls_auth", tmp_path, prepare=add_events)
    try:
        for path in ("/templated2", "/nonproxy", "/outside", "/v2/outside"):
            assert get(api, path).status_code == 200, path
        log = api.stderr()
    finally:
        api.stop()
    warnings = [line for line in log.splitlines() if "warning: serverless.yml" in line]
    assert len(warnings) == 4, log
    request_warning = next(w for w in warnings if "request (templates" in w)
    assert request_warning.endswith("(echo events[8], echo events[9])")
    assert any("integration other than lambda-proxy" in w and "events[10]" in w for w in warnings)
    assert any("authorizerId" in w and "events[11]" in w for w in warnings)
    assert any("httpApi authorizer given by id" in w and "events[12]" in w for w in warnings)
