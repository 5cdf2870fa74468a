"""`lamina api` on a CDK app: the APIs of its cloud assembly (cdk.out), written by `cdk synth` as
plain CloudFormation: a REST API whose methods proxy to a function (payload 1.0, on the
Stage's name and variables), an HTTP API's routes (payload 2.0, or 1.0 as the integration
says), a Function URL. Functions are named by construct path, as everywhere else for CDK."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gateway.harness import ApiProcess


def _fresh_assembly(root: Path) -> None:
    fresh = time.time() + 60  # synthesized after the app's sources were last changed
    os.utime(root / "cdk.out" / "manifest.json", (fresh, fresh))


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("cdk_shop", tmp_path_factory.mktemp("cdk"), prepare=_fresh_assembly)
    yield api
    api.stop()


def test_the_banner_lists_the_stacks_routes_by_construct_path(shop: ApiProcess) -> None:
    assert "serving 5 route(s)" in shop.banner[0]
    routes = "\n".join(shop.banner)
    rest = "→ ShopStack/Items  (REST ShopApiA1B2C3D4, stage prod, payload 1.0)"
    assert re.search(r"ANY /\{proxy\+\} .*" + re.escape(rest), routes)
    assert re.search(r"ANY / .*" + re.escape(rest), routes)
    http = "→ ShopStack/Orders  (HTTP HttpApiF5A9A8A7, stage $default, payload "
    assert re.search(r"GET /orders/\{id\} .*" + re.escape(http + "2.0)"), routes)
    assert re.search(r"POST /v1/orders .*" + re.escape(http + "1.0)"), routes)
    assert re.search(r"Function URL .*/lambda-url/[a-z]{32}/  → ShopStack/Webhook", routes)


def test_what_is_not_served_is_named_by_construct_path(shop: ApiProcess) -> None:
    log = shop.stderr()
    assert (
        "warning: ShopStack/ShopApi/Default/legacy/GET: integration Type HTTP_PROXY is not "
        "served (only AWS_PROXY)"
    ) in log
    assert "the API Gateway resources of" not in log
    assert requests.get(shop.url + "/legacy", timeout=30).json()["event"]["resource"] == (
        "/{proxy+}"  # the proxy method catches it, as it would once the HTTP one is gone
    )


def test_a_rest_proxy_method_gets_the_1_0_event_on_the_stage(shop: ApiProcess) -> None:
    answer = requests.get(shop.url + "/items/42?x=1", timeout=30).json()
    assert answer["function"] == "Items1F2E3D4C"  # no FunctionName: the logical id
    event = answer["event"]
    assert (event["resource"], event["path"], event["httpMethod"]) == (
        "/{proxy+}", "/items/42", "GET",
    )  # fmt: skip
    assert event["pathParameters"] == {"proxy": "items/42"}
    assert event["queryStringParameters"] == {"x": "1"}
    assert event["stageVariables"] == {"color": "blue"}
    context = event["requestContext"]
    assert (context["stage"], context["path"], context["resourcePath"]) == (
        "prod", "/prod/items/42", "/{proxy+}",
    )  # fmt: skip
    root = requests.delete(shop.url + "/", timeout=30).json()["event"]
    assert (root["resource"], root["httpMethod"], root["pathParameters"]) == ("/", "DELETE", None)


def test_an_http_api_route_gets_the_2_0_event(shop: ApiProcess) -> None:
    answer = requests.get(shop.url + "/orders/7", timeout=30).json()
    assert answer["function"] == "Orders5A6B7C8D"
    event = answer["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /orders/{id}"
    assert event["rawPath"] == "/orders/7"
    assert event["pathParameters"] == {"id": "7"}
    assert event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["http"]["method"] == "GET"


def test_an_integration_of_payload_1_0_on_an_http_api_gets_the_1_0_event(shop: ApiProcess) -> None:
    event = requests.post(shop.url + "/v1/orders", data="{}", timeout=30).json()["event"]
    assert event["version"] == "1.0"
    assert (event["resource"], event["path"], event["httpMethod"]) == (
        "/v1/orders", "/v1/orders", "POST",
    )  # fmt: skip
    assert event["body"] == "{}"
    assert event["requestContext"]["stage"] == "$default"


def test_a_function_url_gets_the_2_0_event_and_its_cors(shop: ApiProcess) -> None:
    line = next(line for line in shop.banner if "Function URL" in line)
    found = re.search(r"(http://\S+/lambda-url/([a-z]{32})/)", line)
    assert found, line
    response = requests.post(
        found.group(1) + "hook?a=1", data="hi", headers={"Origin": "http://a.example"}, timeout=30
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    answer = response.json()
    assert answer["function"] == "shop-webhook"  # its FunctionName
    event = answer["event"]
    assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "$default", "/hook")
    assert event["rawQueryString"] == "a=1" and event["body"] == "hi"
    assert event["requestContext"]["apiId"] == found.group(2)


def test_one_port_serves_both_apis_so_the_rest_proxy_takes_other_paths(shop: ApiProcess) -> None:
    # The REST API's /{proxy+} takes every path no route of its own method matches, as the one
    # port serves every API: what API Gateway's two hosts would tell apart is one table here.
    event = requests.put(shop.url + "/orders/7", timeout=30).json()["event"]
    assert event["resource"] == "/{proxy+}" and event["requestContext"]["stage"] == "prod"
