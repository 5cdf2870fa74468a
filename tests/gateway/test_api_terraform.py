"""`lamina api` on a Terraform configuration: its `aws_api_gateway_*` REST API (a proxy and a
root method, payload 1.0, on the stage's name and variables), its `aws_apigatewayv2_*` HTTP
API (a 2.0 route, a route whose integration says no version: 1.0, Terraform's default) and an
`aws_lambda_function_url`. Functions are named by resource name, as everywhere for Terraform."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from gateway.harness import ApiProcess


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("tf_shop", tmp_path_factory.mktemp("tf"))
    yield api
    api.stop()


def test_the_banner_lists_the_configurations_routes(shop: ApiProcess) -> None:
    assert "serving 5 route(s)" in shop.banner[0]
    routes = "\n".join(shop.banner)
    rest = "→ items  (REST aws_api_gateway_rest_api.shop, stage dev, payload 1.0)"
    assert re.search(r"ANY /\{proxy\+\} .*" + re.escape(rest), routes)
    assert re.search(r"GET / .*" + re.escape(rest), routes)
    http = "→ orders  (HTTP aws_apigatewayv2_api.http, stage $default, payload "
    assert re.search(r"GET /orders/\{id\} .*" + re.escape(http + "2.0)"), routes)
    assert re.search(r"POST /v1/orders .*" + re.escape(http + "1.0)"), routes)
    assert re.search(r"Function URL .*/lambda-url/[a-z]{32}/  → webhook", routes)
    assert "/legacy" not in routes


def test_what_is_not_served_is_named_by_address(shop: ApiProcess) -> None:
    log = shop.stderr()
    assert (
        "warning: aws_apigatewayv2_route.legacy: integration HTTP_PROXY names no function "
        "(only AWS_PROXY is served)"
    ) in log
    assert "are not read" not in log
    assert (
        f"warning: {shop.root}: not read, lamina api serves the APIs without them: "
        "aws_apigatewayv2_domain_name.api\n"
    ) in log


def test_a_rest_proxy_method_gets_the_1_0_event_on_the_stage(shop: ApiProcess) -> None:
    answer = requests.get(shop.url + "/items/42?x=1", timeout=30).json()
    assert answer["function"] == "shop-items-dev"  # function_name, var.stage resolved
    event = answer["event"]
    assert (event["resource"], event["path"], event["httpMethod"]) == (
        "/{proxy+}", "/items/42", "GET",
    )  # fmt: skip
    assert event["pathParameters"] == {"proxy": "items/42"}
    assert event["stageVariables"] == {"color": "blue"}
    context = event["requestContext"]
    assert (context["stage"], context["path"]) == ("dev", "/dev/items/42")
    root = requests.get(shop.url + "/", timeout=30).json()["event"]
    assert (root["resource"], root["httpMethod"]) == ("/", "GET")
    # The root has GET only: another method there is no route (the proxy needs a segment).
    assert requests.post(shop.url + "/", timeout=30).status_code == 403


def test_an_http_api_route_gets_the_2_0_event(shop: ApiProcess) -> None:
    answer = requests.get(shop.url + "/orders/7", timeout=30).json()
    assert answer["function"] == "shop-orders"
    event = answer["event"]
    assert (event["version"], event["routeKey"], event["rawPath"]) == (
        "2.0", "GET /orders/{id}", "/orders/7",
    )  # fmt: skip
    assert event["pathParameters"] == {"id": "7"}
    assert event["requestContext"]["stage"] == "$default"


def test_an_integration_without_payload_version_gets_the_1_0_event(shop: ApiProcess) -> None:
    event = requests.post(shop.url + "/v1/orders", data="{}", timeout=30).json()["event"]
    assert event["version"] == "1.0"
    assert (event["resource"], event["httpMethod"], event["body"]) == ("/v1/orders", "POST", "{}")


def test_a_function_url_gets_the_2_0_event_and_its_cors(shop: ApiProcess) -> None:
    line = next(line for line in shop.banner if "Function URL" in line)
    found = re.search(r"(http://\S+/lambda-url/([a-z]{32})/)", line)
    assert found, line
    response = requests.post(
        found.group(1) + "hook", data="hi", headers={"Origin": "http://a.example"}, timeout=30
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    answer = response.json()
    assert answer["function"] == "shop-webhook"
    event = answer["event"]
    assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "$default", "/hook")
    assert event["requestContext"]["apiId"] == found.group(2)
