"""Sample events (`lamina events generate`): the HTTP sources (API Gateway REST and HTTP APIs, function URLs, ALB)."""

from __future__ import annotations

import re

from event_samples import CLF_TIME, NOW_MS, gen

# --- HTTP sources -------------------------------------------------------------------------


def test_apigateway_rest_defaults() -> None:
    event = gen("apigateway-rest")
    assert event["httpMethod"] == "GET"
    assert event["path"] == "/"
    assert event["resource"] == "/"
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None
    assert "Content-Type" not in event["headers"]
    ctx = event["requestContext"]
    assert ctx["stage"] == "prod"
    assert ctx["path"] == "/prod/"
    assert ctx["accountId"] == "123456789012"


def test_apigateway_rest_overrides() -> None:
    event = gen(
        "apigateway-rest",
        method="post",
        path="/users/42?verbose=1&tag=a&tag=b%20c",
        body='{"name": "Ada"}',
        resource="/users/{id}",
        stage="v1",
        region="eu-west-1",
        account="111122223333",
        headers='{"Authorization": "Bearer t", "user-agent": "pytest"}',
    )
    assert event["httpMethod"] == "POST"
    assert event["path"] == "/users/42"
    assert event["resource"] == "/users/{id}"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"verbose": "1", "tag": "b c"}
    assert event["multiValueQueryStringParameters"] == {"verbose": ["1"], "tag": ["a", "b c"]}
    assert event["body"] == '{"name": "Ada"}'
    headers = event["headers"]
    assert headers["Authorization"] == "Bearer t"
    assert headers["user-agent"] == "pytest"
    assert "User-Agent" not in headers
    assert headers["Content-Type"] == "application/json"
    assert headers["Content-Length"] == "15"
    assert event["multiValueHeaders"] == {name: [value] for name, value in headers.items()}

    ctx = event["requestContext"]
    api_id = ctx["apiId"]
    assert re.fullmatch(r"[0-9a-f]{10}", api_id)
    assert ctx["domainName"] == f"{api_id}.execute-api.eu-west-1.amazonaws.com"
    assert headers["Host"] == ctx["domainName"]
    assert ctx["domainPrefix"] == api_id
    assert ctx["accountId"] == "111122223333"
    assert ctx["resourcePath"] == "/users/{id}"
    assert ctx["httpMethod"] == "POST"
    assert ctx["stage"] == "v1"
    assert ctx["path"] == "/v1/users/42"
    assert ctx["protocol"] == "HTTP/1.1"
    assert ctx["requestTime"] == CLF_TIME
    assert ctx["requestTimeEpoch"] == NOW_MS
    assert ctx["identity"]["userAgent"] == "pytest"
    assert ctx["identity"]["sourceIp"] == headers["X-Forwarded-For"]
    assert ctx["identity"]["user"] is None
    assert re.fullmatch(r"[A-Za-z0-9+/]{15}=", ctx["extendedRequestId"])
    assert re.fullmatch(r"[0-9a-f-]{36}", ctx["requestId"])


def test_apigateway_rest_greedy_path_parameter() -> None:
    event = gen("apigateway", path="files/a/b.txt", resource="/{proxy+}")
    assert event["path"] == "/files/a/b.txt"
    assert event["pathParameters"] == {"proxy": "files/a/b.txt"}


def test_apigateway_http_overrides() -> None:
    event = gen(
        "apigateway-http",
        method="put",
        path="/items/7",
        query="a=1&a=2&q=x%20y",
        body="plain words",
        route="PUT /items/{id}",
        headers='{"Cookie": "s=1; theme=dark", "X-Custom": "yes"}',
        region="eu-central-1",
        account="111122223333",
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "PUT /items/{id}"
    assert event["rawPath"] == "/items/7"
    assert event["rawQueryString"] == "a=1&a=2&q=x%20y"
    assert event["queryStringParameters"] == {"a": "1,2", "q": "x y"}
    assert event["pathParameters"] == {"id": "7"}
    assert event["cookies"] == ["s=1", "theme=dark"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-custom"] == "yes"
    assert event["headers"]["content-type"] == "text/plain"
    assert all(name == name.lower() for name in event["headers"])
    assert event["body"] == "plain words"
    assert event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["accountId"] == "111122223333"
    assert ctx["domainName"] == f"{ctx['apiId']}.execute-api.eu-central-1.amazonaws.com"
    assert ctx["domainPrefix"] == ctx["apiId"]
    assert ctx["http"] == {
        "method": "PUT",
        "path": "/items/7",
        "protocol": "HTTP/1.1",
        "sourceIp": ctx["http"]["sourceIp"],
        "userAgent": event["headers"]["user-agent"],
    }
    assert ctx["routeKey"] == "PUT /items/{id}"
    assert ctx["stage"] == "$default"
    assert ctx["time"] == CLF_TIME
    assert ctx["timeEpoch"] == NOW_MS
    assert "authorizer" not in ctx


def test_apigateway_http_route_without_method_and_named_stage() -> None:
    event = gen("http-api", method="GET", path="/a/b", route="/a/{rest+}", stage="dev")
    assert event["routeKey"] == "GET /a/{rest+}"
    assert event["pathParameters"] == {"rest": "b"}
    # With a named stage, HTTP APIs put the stage in front of rawPath.
    assert event["rawPath"] == "/dev/a/b"
    assert event["requestContext"]["stage"] == "dev"


def test_function_url() -> None:
    event = gen(
        "function-url", method="POST", path="/hook", body='{"ok": true}', region="us-west-2"
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/hook"
    assert event["body"] == '{"ok": true}'
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None
    ctx = event["requestContext"]
    url_id = ctx["apiId"]
    assert re.fullmatch(r"[0-9a-z]{32}", url_id)
    assert ctx["domainName"] == f"{url_id}.lambda-url.us-west-2.on.aws"
    assert event["headers"]["host"] == ctx["domainName"]
    assert ctx["domainPrefix"] == url_id
    assert ctx["routeKey"] == "$default"
    assert ctx["stage"] == "$default"
    assert ctx["authentication"] is None
    assert "authorizer" not in ctx
    assert ctx["http"]["method"] == "POST"
    assert ctx["timeEpoch"] == NOW_MS


def test_alb() -> None:
    event = gen(
        "alb",
        method="delete",
        path="/things/1",
        query="a=1&a=2&b=x%20y",
        target_group="api-tg",
        region="eu-west-1",
        account="111122223333",
    )
    arn = event["requestContext"]["elb"]["targetGroupArn"]
    assert re.fullmatch(
        r"arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/api-tg/[0-9a-f]{16}",
        arn,
    )
    assert event["httpMethod"] == "DELETE"
    assert event["path"] == "/things/1"
    # ALB neither decodes query parameters nor keeps repeats.
    assert event["queryStringParameters"] == {"a": "2", "b": "x%20y"}
    assert event["body"] == ""
    assert event["isBase64Encoded"] is False
    assert event["headers"]["x-forwarded-proto"] == "http"
    assert all(name == name.lower() for name in event["headers"])


def test_alb_accepts_a_full_target_group_arn() -> None:
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef"
    event = gen("alb", target_group=arn)
    assert event["requestContext"] == {"elb": {"targetGroupArn": arn}}
