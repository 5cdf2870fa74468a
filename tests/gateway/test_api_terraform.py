"""`lamina api` on a Terraform configuration: its `aws_api_gateway_*` REST API (a proxy and a
root method, payload 1.0, on the stage's name and variables), its `aws_apigatewayv2_*` HTTP
API (a 2.0 route, a route whose integration says no version: 1.0, Terraform's default) and an
`aws_lambda_function_url`. Functions are named by resource name, as everywhere for Terraform."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gateway.harness import ApiProcess
from gateway.shop_checks import (
    assert_banner,
    function_url_event,
    http_route_event,
    rest_proxy_event,
    v1_integration_event,
)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("tf_shop", tmp_path_factory.mktemp("tf"))
    yield api
    api.stop()


def test_the_banner_lists_the_configurations_routes(shop: ApiProcess) -> None:
    assert_banner(
        shop.banner,
        rest="→ items  (REST aws_api_gateway_rest_api.shop, stage dev, payload 1.0)",
        root_method="GET",
        http="→ orders  (HTTP aws_apigatewayv2_api.http, stage $default, payload ",
        url="webhook",
    )
    assert "/legacy" not in "\n".join(shop.banner)


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
    rest_proxy_event(shop, "shop-items-dev", "dev")  # function_name, var.stage resolved
    root = requests.get(shop.url + "/", timeout=30).json()["event"]
    assert (root["resource"], root["httpMethod"]) == ("/", "GET")
    # The root has GET only: another method there is no route (the proxy needs a segment).
    assert requests.post(shop.url + "/", timeout=30).status_code == 403


def test_an_http_api_route_gets_the_2_0_event(shop: ApiProcess) -> None:
    http_route_event(shop, "shop-orders")


def test_an_integration_without_payload_version_gets_the_1_0_event(shop: ApiProcess) -> None:
    v1_integration_event(shop)


def test_a_function_url_gets_the_2_0_event_and_its_cors(shop: ApiProcess) -> None:
    function_url_event(shop)


def test_a_function_url_preflight_without_allow_methods_has_no_empty_header(
    shop: ApiProcess,
) -> None:
    line = next(line for line in shop.banner if "Function URL" in line)
    url = line.split("Function URL", 1)[1].split()[0]  # its cors block sets allow_origins only
    response = requests.options(
        url + "hook",
        headers={"Origin": "http://a.example", "Access-Control-Request-Method": "PUT"},
        timeout=30,
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Methods" not in response.headers


# A WebSocket API whose only route sends to SQS (an AWS service integration, not run here).
QUEUE_WEBSOCKET = """
resource "aws_apigatewayv2_api" "ws" {
  name                       = "shop-ws"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = "$request.body.action"
}

resource "aws_apigatewayv2_stage" "ws" {
  api_id      = aws_apigatewayv2_api.ws.id
  name        = "live"
  auto_deploy = true
}

resource "aws_apigatewayv2_integration" "to_queue" {
  api_id             = aws_apigatewayv2_api.ws.id
  integration_type   = "AWS"
  integration_method = "POST"
  integration_uri    = "arn:aws:apigateway:us-east-1:sqs:path/123456789012/messages"
}

resource "aws_apigatewayv2_route" "default" {
  api_id    = aws_apigatewayv2_api.ws.id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.to_queue.id}"
}
"""


def test_a_websocket_api_with_no_runnable_route_is_not_counted(tmp_path: Path) -> None:
    def add_websocket(root: Path) -> None:
        (root / "ws.tf").write_text(QUEUE_WEBSOCKET)

    api = ApiProcess("tf_shop", tmp_path, prepare=add_websocket)
    try:
        assert api.banner[0].startswith("lamina api: serving 5 route(s) on ")  # as without it
        assert len(api.banner) == 6 and not any("WebSocket" in line for line in api.banner)
    finally:
        api.stop()
