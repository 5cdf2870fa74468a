"""`lamina api` on a REST API (payload 1.0): events as real API Gateway sends them, routing,
binary media, and the gateway's own answers (403, 413, 502)."""

from __future__ import annotations

import base64
import http.client
import json
from typing import Any

import pytest
import requests

from gateway.harness import ApiProcess, recordings_dir


def recorded_proxy_event() -> dict[str, Any]:
    """What a Lambda proxy integration really received (LocalStack's AWS-validated snapshot)."""
    path = recordings_dir() / "localstack/apigateway/test_apigateway_lambda.snapshot.json"
    snapshot = json.loads(path.read_text())
    case = next(v for k, v in snapshot.items() if k.endswith("::test_lambda_aws_proxy_integration"))
    event: dict[str, Any] = case["recorded-content"][
        "invocation-payload-without-trailing-slash-and-query-params"
    ]
    return event


def echo(api: ApiProcess, path: str, method: str = "GET", **kwargs: Any) -> dict[str, Any]:
    response = requests.request(method, api.url + path, timeout=30, **kwargs)
    assert response.status_code == 200, response.text
    event: dict[str, Any] = response.json()
    return event


def test_the_banner_lists_every_route_with_its_url_and_function(shop: ApiProcess) -> None:
    text = "\n".join(shop.banner)
    assert f"GET /items/{{id}}      {shop.url}/items/{{id}}  → EchoFunction" in text
    assert "POST /image" in text and "ImageFunction  (REST ImagesApi, stage dev" in text
    assert "GET /v2/legacy" in text and "payload 1.0" in text


def test_the_event_has_the_fields_api_gateway_sends(shop: ApiProcess) -> None:
    recorded = recorded_proxy_event()
    event = echo(
        shop,
        "/items/42?urlparam=test",
        headers={"Authorization": "random-value", "User-Agent": "python-requests/testing"},
    )
    assert set(event) == set(recorded)
    assert set(event["requestContext"]) == set(recorded["requestContext"])
    assert set(event["requestContext"]["identity"]) == set(recorded["requestContext"]["identity"])
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/42"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == recorded["queryStringParameters"]
    assert event["multiValueQueryStringParameters"] == recorded["multiValueQueryStringParameters"]
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert event["stageVariables"] is None
    # As recorded: these two arrive title-cased, Content-Length and Connection not at all.
    assert event["headers"]["Authorization"] == "random-value"
    assert event["headers"]["User-Agent"] == "python-requests/testing"
    assert not {"Content-Length", "Connection"} & set(event["headers"])
    context = event["requestContext"]
    assert context["stage"] == "Prod"  # SAM's implicit API is deployed as stage Prod
    assert context["path"] == "/Prod/items/42"
    assert context["resourcePath"] == "/items/{id}"
    assert context["httpMethod"] == "GET"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "python-requests/testing"
    assert context["accountId"] == "123456789012"
    assert isinstance(context["requestTimeEpoch"], int)
    assert context["requestTime"].endswith(" +0000")


def test_multi_value_query_and_headers(shop: ApiProcess) -> None:
    # http.client, as requests folds repeated headers into one.
    connection = http.client.HTTPConnection("127.0.0.1", shop.port, timeout=30)
    connection.putrequest(
        "GET", "/items/1?category=electronics&category=books&plus=test+alias%40gmail.com"
    )
    connection.putheader("X-Tag", "a")
    connection.putheader("X-Tag", "b")
    connection.endheaders()
    event = json.loads(connection.getresponse().read())
    connection.close()
    assert event["multiValueQueryStringParameters"]["category"] == ["electronics", "books"]
    assert event["queryStringParameters"]["category"] == "books"
    assert event["queryStringParameters"]["plus"] == "test alias@gmail.com"
    assert event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert event["headers"]["X-Tag"] == "b"


def test_routing_precedence_proxy_and_any(shop: ApiProcess) -> None:
    # A literal segment beats {id}; a greedy {proxy+} takes the rest, encoded as sent.
    assert requests.get(shop.url + "/items/me", timeout=30).text == "me"
    assert echo(shop, "/items/you")["pathParameters"] == {"id": "you"}
    event = echo(shop, "/files/a/b%2Bc/d.txt", method="DELETE")
    assert event["pathParameters"] == {"proxy": "a/b%2Bc/d.txt"}
    assert event["resource"] == "/files/{proxy+}"
    assert event["httpMethod"] == "DELETE"
    trailing = echo(shop, "/items/7/")
    assert trailing["path"] == "/items/7/" and trailing["pathParameters"] == {"id": "7"}


@pytest.mark.parametrize(("method", "path"), [("GET", "/nowhere"), ("POST", "/items/1")])
def test_an_unknown_route_is_missing_authentication_token(
    shop: ApiProcess, method: str, path: str
) -> None:
    response = requests.request(method, shop.url + path, timeout=30)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def request_line(api: ApiProcess, start: str) -> str:
    """The request line that starts with `start` (method, path, status)."""
    api.wait_for_log(start)
    return next(line for line in api.stderr().splitlines() if line.startswith(start))


def test_a_url_with_its_stage_prefix_is_refused_with_a_hint(shop: ApiProcess) -> None:
    # SAM's implicit API (stage Prod) serves /items/{id}; a URL copied from AWS has the stage.
    response = requests.get(shop.url + "/Prod/items/42", timeout=30)
    assert (response.status_code, response.json()) == (
        403, {"message": "Missing Authentication Token"}
    )  # fmt: skip
    line = request_line(shop, "GET /Prod/items/42 403 ")
    assert line.endswith(": no route; without the stage prefix /Prod this is GET /items/42")
    # dev is the stage of another API (ImagesApi), which has no /items/{id}: no hint
    assert requests.get(shop.url + "/dev/items/42", timeout=30).status_code == 403
    assert ":" not in request_line(shop, "GET /dev/items/42 403 ")


def test_an_openapi_definition_body_with_its_stage_and_variables(shop: ApiProcess) -> None:
    event = echo(shop, "/openapi/echo", method="PUT", data="hi")
    assert event["resource"] == "/openapi/echo"
    assert event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["path"] == "/dev/openapi/echo"
    assert event["stageVariables"] == {"color": "blue"}
    assert event["body"] == "hi"


def test_binary_media_types_in_and_out(shop: ApiProcess) -> None:
    png = bytes(range(256))
    headers = {"Content-Type": "image/png", "Accept": "image/png"}
    response = requests.post(shop.url + "/image", data=png, headers=headers, timeout=30)
    assert response.status_code == 200
    assert response.content == png[::-1]
    # Without an Accept that matches BinaryMediaTypes, REST passes the base64 text through.
    response = requests.post(
        shop.url + "/image", data=png, headers={"Content-Type": "image/png"}, timeout=30
    )
    assert base64.b64decode(response.text) == png[::-1]


def result(api: ApiProcess, ask: dict[str, Any]) -> requests.Response:
    return requests.post(api.url + "/result", json=ask, timeout=30)


def test_the_proxy_response_as_api_gateway_merges_it(shop: ApiProcess) -> None:
    response = result(
        shop,
        {
            "return": {
                "statusCode": "201",
                "headers": {"test-multi": "value-solo", "header-bool": True},
                "multiValueHeaders": {
                    "test-multi": ["value-multi"],
                    "Set-Cookie": ["a=1", "b=2"],
                },
                "body": "made",
            }
        },
    )
    assert response.status_code == 201
    assert response.text == "made"
    assert response.headers["test-multi"] == "value-multi, value-solo"
    assert response.headers["header-bool"] == "true"
    assert response.headers["Content-Type"] == "application/json"
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    empty = result(shop, {"return": {"headers": {"x": "y"}}})
    assert (empty.status_code, empty.text) == (200, "")


@pytest.mark.parametrize(
    ("ask", "why"),
    [
        ({"return": {"statusCode": 200, "bad": 1}}, "unexpected field 'bad'"),
        ({"return": {"statusCode": "abc"}}, "statusCode must be a number"),
        ({"return": {"statusCode": 200, "body": {"a": 1}}}, "body must be a string, not dict"),
        ({"return": "just a string"}, "must be a JSON object, not str"),
        ({"raise": "kaput"}, "ValueError: kaput"),
    ],
)
def test_a_bad_result_is_502_with_a_log_line_saying_why(
    shop: ApiProcess, ask: dict[str, Any], why: str
) -> None:
    response = result(shop, ask)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    log = shop.wait_for_log(why)
    line = next(line for line in log.splitlines() if why in line and "POST /result" in line)
    assert line.startswith("POST /result 502 → ResultFunction ")


def test_a_function_timeout_shorter_than_the_integrations_is_a_502(shop: ApiProcess) -> None:
    # Timeout: 5 under REST's 29 s: the function's own timeout ends the call (the front awaits
    # it without a timer of its own), and API Gateway answers 502 for the failed invoke.
    response = result(shop, {"sleep": 6})
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    shop.wait_for_log("Task timed out after 5.00 seconds")
    assert result(shop, {"return": {"statusCode": 204}}).status_code == 204


def test_payload_limits_413_over_10_mb_502_over_lambdas_6_mb(shop: ApiProcess) -> None:
    huge = requests.post(shop.url + "/result", data=b"x" * (10 * 1024 * 1024 + 1), timeout=30)
    assert huge.status_code == 413
    big = requests.post(shop.url + "/result", data=b"x" * (7 * 1024 * 1024), timeout=30)
    assert big.status_code == 502
    shop.wait_for_log("Lambda's invoke limit is 6 MB")


def test_a_save_is_live_on_the_next_request(shop: ApiProcess) -> None:
    assert requests.get(shop.url + "/", timeout=30).headers["X-Version"] == "v1"
    source = shop.root / "src" / "app.py"
    source.write_text(source.read_text().replace('VERSION = "v1"', 'VERSION = "v2"'))
    assert requests.get(shop.url + "/", timeout=30).headers["X-Version"] == "v2"


def test_the_request_id_header_is_the_events_request_id(shop: ApiProcess) -> None:
    response = requests.get(shop.url + "/items/9", timeout=30)
    assert response.headers["x-amzn-RequestId"] == response.json()["requestContext"]["requestId"]
