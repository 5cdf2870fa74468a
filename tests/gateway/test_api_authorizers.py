"""Lambda authorizers in front of routes: REST TOKEN and REQUEST (IAM policies), HTTP APIs'
simple responses and IAM policies, each allowing and denying, with the context passed on."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from gateway.harness import ApiProcess


@pytest.fixture(scope="module")
def auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("auth", tmp_path_factory.mktemp("auth"))
    try:
        yield api
    finally:
        api.stop()


def get(api: ApiProcess, path: str, **headers: str) -> requests.Response:
    return requests.get(api.url + path, headers=headers, timeout=30)


def test_a_token_authorizer_allows_and_passes_its_context(auth: ApiProcess) -> None:
    response = get(auth, "/token", Authorization="allow")
    assert response.status_code == 200, response.text
    context: dict[str, Any] = response.json()
    assert context == {"principalId": "alice", "type": "TOKEN", "user": "alice"}


@pytest.mark.parametrize(
    ("token", "status", "body"),
    [
        (None, 401, {"message": "Unauthorized"}),
        ("unauthorized", 401, {"message": "Unauthorized"}),
        (
            "deny",
            403,
            {"Message": "User is not authorized to access this resource with an explicit deny"},
        ),
        ("elsewhere", 403, {"Message": "User is not authorized to access this resource"}),
        ("broken", 500, {"message": "Internal Server Error"}),
    ],
)
def test_a_token_authorizer_refuses(
    auth: ApiProcess, token: str | None, status: int, body: dict[str, str]
) -> None:
    headers = {"Authorization": token} if token else {}
    response = get(auth, "/token", **headers)
    assert (response.status_code, response.json()) == (status, body)
    auth.wait_for_log(f"GET /token {status} → EchoFunction")


def logged_for(api: ApiProcess, before: int, line: str) -> str:
    """What the process logged since `before` characters, up to and with the request `line`."""
    log = api.wait_for_log(line)[before:]
    return log[: log.index(line) + len(line)]


def test_a_failing_authorizers_logs_are_shown(auth: ApiProcess) -> None:
    before = len(auth.stderr())
    assert get(auth, "/token", Authorization="broken").status_code == 500
    log = logged_for(auth, before, "GET /token 500 → EchoFunction")
    assert log.count("START RequestId") == 1  # the authorizer's; the function never ran
    assert "token_auth saw broken" in log
    assert "ValueError" in log and "the authorizer has a bug" in log  # its traceback
    assert log.index("token_auth saw broken") < log.index("REPORT RequestId")


def test_an_authorizers_logs_come_before_the_functions(auth: ApiProcess) -> None:
    before = len(auth.stderr())
    # a token of its own: a kept answer (the authorizer's TTL) would not run it
    assert get(auth, "/token", Authorization="allow-logs").status_code == 200
    log = logged_for(auth, before, "GET /token 200 → EchoFunction")
    assert log.count("START RequestId") == 2
    said = log.index("token_auth saw allow-logs")
    authorizer_end = log.index("REPORT RequestId")
    function_start = log.index("START RequestId", authorizer_end)
    assert said < authorizer_end < function_start < log.rindex("REPORT RequestId")


def test_a_request_authorizer_and_a_route_without_one(auth: ApiProcess) -> None:
    allowed = get(auth, "/request?tenant=t1", **{"X-Key": "k1"})
    assert allowed.status_code == 200
    assert allowed.json() == {"principalId": "alice", "tenant": "t1"}
    assert get(auth, "/request?tenant=t1", **{"X-Key": "nope"}).status_code == 403
    assert get(auth, "/request", **{"X-Key": "k1"}).status_code == 401  # identity source missing
    assert get(auth, "/open").json() is None  # Auth: {Authorizer: NONE}


def test_http_api_simple_responses(auth: ApiProcess) -> None:
    allowed = get(auth, "/h/simple", Authorization="yes")
    assert allowed.status_code == 200
    assert allowed.json() == {"lambda": {"who": "bob", "identity": ["yes"], "type": "REQUEST"}}
    denied = get(auth, "/h/simple", Authorization="no")
    assert (denied.status_code, denied.json()) == (403, {"message": "Forbidden"})
    assert get(auth, "/h/simple").status_code == 401


def test_http_api_iam_policies(auth: ApiProcess) -> None:
    allowed = get(auth, "/h/policy", Authorization="yes")
    assert (allowed.status_code, allowed.json()) == (200, {"lambda": {"who": "carol"}})
    denied = get(auth, "/h/policy", Authorization="no")
    assert (denied.status_code, denied.json()) == (403, {"message": "Forbidden"})


def test_api_keys_where_the_route_requires_one(auth: ApiProcess) -> None:
    key = "dev-key-0123456789abcdef"  # the template's AWS::ApiGateway::ApiKey Value
    accepted = requests.get(auth.url + "/keyed", headers={"x-api-key": key}, timeout=30)
    assert accepted.status_code == 200 and accepted.json()[0] == key
    for headers in ({}, {"x-api-key": "some-other-key"}):
        refused = requests.get(auth.url + "/keyed", headers=headers, timeout=30)
        assert (refused.status_code, refused.json()) == (403, {"message": "Forbidden"})
    auth.wait_for_log("GET /keyed 403 → EchoFunction")


def generated_event(api: ApiProcess, route: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "lamina", "events", "generate", "--function", "EchoFunction",
         "--route", route],
        cwd=api.root, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_generated_event_has_the_api_key_a_live_request_has(auth: ApiProcess) -> None:
    event = generated_event(auth, "GET /keyed")
    identity = event["requestContext"]["identity"]
    live = requests.get(auth.url + "/keyed", headers=event["headers"], timeout=30)
    assert live.status_code == 200, live.text  # the generated x-api-key is one the API takes
    assert [identity["apiKey"], identity["apiKeyId"]] == live.json()
    assert live.json()[0] == "dev-key-0123456789abcdef"
    open_identity = generated_event(auth, "GET /open")["requestContext"]["identity"]
    assert "apiKey" not in open_identity and "apiKeyId" not in open_identity


def test_answers_are_kept_per_identity_until_the_code_changes(auth: ApiProcess) -> None:
    first = get(auth, "/token", Authorization="count").json()
    again = get(auth, "/token", Authorization="count").json()
    assert first["calls"] == again["calls"] == 1  # ReauthorizeEvery: 300 s by default
    source = auth.root / "src" / "app.py"
    source.write_text(source.read_text().replace('MARK = "v1"', 'MARK = "v2"'))
    changed = get(auth, "/token", Authorization="count").json()
    assert (changed["mark"], changed["calls"]) == ("v2", 1)  # asked again, by the new code
