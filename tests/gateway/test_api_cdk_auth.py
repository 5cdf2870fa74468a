"""`lamina api` on a CDK app's guarded APIs (apps/cdk_guarded, in `cdk synth`'s shape): REST
TOKEN, REQUEST and Cognito authorizers, AWS_IAM, an API key with a usage plan's quota and a
non-proxy Lambda integration with mapping templates; HTTP API Lambda (simple responses) and
JWT authorizers. The same gateway core as SAM's templates, read from plain CloudFormation."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from gateway.harness import ApiProcess
from lamina.gateway.cdk_apis import read_cdk_apis

KEY = "key-one-0123456789abcdef"
# No api.jwks setting: signatures are not checked (a warning says so), the rest is.
SECRET = "any-secret-since-signatures-are-not-checked"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("cdk_guarded", tmp_path_factory.mktemp("cdk_guarded"))
    yield api
    api.stop()


def get(api: ApiProcess, path: str, **headers: str) -> requests.Response:
    return requests.get(api.url + path, headers=headers, timeout=30)


def test_guarded_routes_are_served_without_warnings_about_their_guards(
    guarded: ApiProcess,
) -> None:
    assert "serving 9 route(s)" in guarded.banner[0]
    log = guarded.stderr()
    assert "is not checked" not in log
    assert "not read, lamina api serves the APIs without them" not in log
    # A pool the template creates has no ARN before it is deployed: said once, by path.
    assert (
        "warning: GuardedStack/GuardedApi/PoolAuthorizer: UserPoolArn "
        "${GetAtt:Pool8E9F0A1B.Arn} is not a literal ARN here: any issuer is taken"
    ) in log


def test_a_token_authorizer_guards_its_methods(guarded: ApiProcess) -> None:
    allowed = get(guarded, "/token", Authorization="allow")
    assert allowed.status_code == 200
    assert allowed.json()["authorizer"] == {"principalId": "alice", "kind": "TOKEN"}
    denied = get(guarded, "/token", Authorization="deny")
    assert denied.status_code == 403
    assert denied.json() == {
        "Message": "User is not authorized to access this resource with an explicit deny"
    }
    assert get(guarded, "/token", Authorization="nobody").status_code == 401
    # IdentityValidationExpression [a-z]+: refused before the authorizer is asked.
    assert get(guarded, "/token", Authorization="ALLOW").status_code == 401
    assert get(guarded, "/token").json() == {"message": "Unauthorized"}


def test_a_request_authorizer_gets_its_identity_sources(guarded: ApiProcess) -> None:
    allowed = get(guarded, "/request?tenant=t1", **{"X-Key": "k1"})
    assert allowed.json()["authorizer"] == {"principalId": "alice", "tenant": "t1"}
    assert get(guarded, "/request?tenant=t1", **{"X-Key": "k2"}).status_code == 403
    assert get(guarded, "/request", **{"X-Key": "k1"}).status_code == 401  # no tenant


def test_a_cognito_authorizer_takes_a_token_and_passes_its_claims(guarded: ApiProcess) -> None:
    assert get(guarded, "/pool").status_code == 401
    claims = {"sub": "u1", "iss": "https://anyone.test", "exp": int(time.time()) + 600}
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    answer = get(guarded, "/pool", Authorization=token)
    assert answer.status_code == 200
    assert answer.json()["authorizer"]["claims"]["sub"] == "u1"
    expired = jwt.encode({**claims, "exp": int(time.time()) - 600}, SECRET, algorithm="HS256")
    assert get(guarded, "/pool", Authorization=expired).status_code == 401


def test_an_iam_method_needs_a_signature(guarded: ApiProcess) -> None:
    answer = get(guarded, "/iam")
    assert answer.status_code == 403
    assert answer.json() == {"message": "Missing Authentication Token"}


def test_an_api_key_method_counts_against_its_usage_plan(guarded: ApiProcess) -> None:
    assert get(guarded, "/keyed").json() == {"message": "Forbidden"}
    assert get(guarded, "/keyed", **{"x-api-key": "another"}).status_code == 403
    for _ in range(3):  # the plan's Quota: 3 a day
        answer = get(guarded, "/keyed", **{"x-api-key": KEY})
        assert answer.status_code == 200
        assert answer.json()["apiKey"] == KEY
    over = get(guarded, "/keyed", **{"x-api-key": KEY})
    assert (over.status_code, over.json()) == (429, {"message": "Limit Exceeded"})
    assert over.headers["x-amzn-ErrorType"] == "LimitExceededException"


def test_a_non_proxy_integration_maps_the_request_and_the_answer(guarded: ApiProcess) -> None:
    url = guarded.url + "/lookup"
    found = requests.post(url, json={"id": 7}, timeout=30)
    assert (found.status_code, found.json()) == (200, {"found": {"id": 7, "stage": "prod"}})
    missing = requests.post(url, json={"id": 0}, timeout=30)
    assert (missing.status_code, missing.json()) == (404, {"error": "item 0 not found"})
    assert missing.headers["X-Reason"] == "missing"
    # PassthroughBehavior NEVER: a body with no template for its type is refused.
    text = {"Content-Type": "text/plain"}
    assert requests.post(url, data="7", headers=text, timeout=30).status_code == 415


def test_an_http_api_lambda_authorizer_with_simple_responses(guarded: ApiProcess) -> None:
    allowed = get(guarded, "/simple", Authorization="yes")
    assert allowed.json()["authorizer"] == {"lambda": {"who": "bob", "identity": ["yes"]}}
    assert get(guarded, "/simple", Authorization="no").json() == {"message": "Forbidden"}
    assert get(guarded, "/simple").status_code == 401


def test_an_http_api_jwt_authorizer_checks_issuer_audience_and_scopes(
    guarded: ApiProcess,
) -> None:
    claims = {
        "sub": "u2",
        "iss": "https://issuer.guarded.test",
        "aud": "guarded",
        "scope": "orders:read",
        "exp": int(time.time()) + 600,
    }

    def status(**changed: str) -> int:
        token = jwt.encode({**claims, **changed}, SECRET, algorithm="HS256")
        return get(guarded, "/jwt", Authorization=f"Bearer {token}").status_code

    assert status() == 200
    assert status(iss="https://other.test") == 401
    assert status(aud="someone-else") == 401
    assert status(scope="orders:write") == 403
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    answer = get(guarded, "/jwt", Authorization=f"Bearer {token}").json()
    assert answer["authorizer"]["jwt"]["claims"]["sub"] == "u2"


def test_a_jwt_authorizer_of_a_pool_the_app_creates_checks_what_it_can(
    guarded: ApiProcess,
) -> None:
    """The issuer and audience are a user pool's and its client's, known once deployed: any
    issuer and audience are taken (a warning says so); expiry is still checked."""
    log = guarded.stderr()
    where = "warning: GuardedStack/GuardedHttp/MembersAuthorizer: "
    assert (
        where + "Issuer https://cognito-idp.us-east-1.amazonaws.com/${Ref:Pool8E9F0A1B} is only "
        "known once deployed: any issuer is taken"
    ) in log
    assert (
        where + "Audience ${Ref:PoolClient3E4F5A6B} is only known once deployed: any audience "
        "is taken"
    ) in log
    claims = {"sub": "m1", "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X"}
    fresh = jwt.encode({**claims, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    answer = get(guarded, "/members", Authorization=fresh)
    assert answer.status_code == 200
    assert answer.json()["authorizer"]["jwt"]["claims"]["sub"] == "m1"
    stale = jwt.encode({**claims, "exp": int(time.time()) - 60}, SECRET, algorithm="HS256")
    assert get(guarded, "/members", Authorization=stale).status_code == 401
    assert get(guarded, "/members").status_code == 401


def test_guards_that_cannot_run_are_named_and_the_rest_is_read(tmp_path: Path) -> None:
    """Broken or foreign guards: one warning each, by construct path; the routes stay."""

    def meta(path: str) -> dict[str, Any]:
        return {"Metadata": {"aws:cdk:path": f"Odd/{path}/Resource"}}

    uri = {"Fn::GetAtt": ["Fn", "Arn"]}
    api = {"Ref": "Api"}
    root = {"Fn::GetAtt": ["Api", "RootResourceId"]}

    def method(verb: str, **props: Any) -> dict[str, Any]:
        integration = {"Type": "AWS_PROXY", "Uri": uri}
        return {"Type": "AWS::ApiGateway::Method", **meta(f"Api/Default/{verb}"),
                "Properties": {"RestApiId": api, "ResourceId": root, "HttpMethod": verb,
                               "Integration": integration, **props}}  # fmt: skip

    resources = {
        "Fn": {"Type": "AWS::Lambda::Function", **meta("Fn"),
               "Properties": {"Handler": "h.h", "Runtime": "python3.12", "Code": "src"}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
        "Foreign": {"Type": "AWS::ApiGateway::Authorizer", **meta("Api/Foreign"),
                    "Properties": {"RestApiId": api, "Type": "TOKEN", "AuthorizerUri":
                                   "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/"
                                   "functions/arn:aws:lambda:us-east-1:1:function:x/invocations"}},
        "Plan": {"Type": "AWS::ApiGateway::UsagePlan",
                 "Properties": {"ApiStages": "not a list", "Quota": {"Limit": "many"}}},
        "Get": method("GET", AuthorizationType="CUSTOM", AuthorizerId={"Ref": "Foreign"}),
        "Put": method("PUT", AuthorizationType="CUSTOM", AuthorizerId={"Ref": "Missing"}),
        "Post": method("POST", AuthorizationType="MAGIC", ApiKeyRequired="true"),
    }  # fmt: skip
    (tmp_path / "Odd.template.json").write_text(json.dumps({"Resources": resources}))
    manifest = {"artifacts": {"Odd": {"type": "aws:cloudformation:stack",
                "properties": {"templateFile": "Odd.template.json"}}}}  # fmt: skip
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    apis = read_cdk_apis(tmp_path / "manifest.json", {"Odd/Fn"})
    assert apis.warnings == [
        "Odd/Api/Foreign: AuthorizerUri names no function Lamina runs here; served without it",
        "Odd/Api/Default/PUT: AuthorizerId names no authorizer of this template: served without it",
        "Odd/Api/Default/POST: ApiKeyRequired, but no AWS::ApiGateway::ApiKey Value here: any key",
        "Odd/Api/Default/POST: AuthorizationType MAGIC is not checked here: served without it",
    ]
    assert [(r.method, r.authorizer, r.api_key_required) for r in apis.routes] == [
        ("GET", None, False), ("PUT", None, False), ("POST", None, True),
    ]  # fmt: skip
    assert apis.routes[0].api.usage_plan is None
