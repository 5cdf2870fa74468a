"""The checks the CDK and Terraform builds of the shop app share (apps/cdk_shop, apps/tf_shop):
the same five routes, a REST proxy method on a stage with `color: blue`, an HTTP API's 2.0
route and 1.0 integration on `$default`, and a Function URL with CORS."""

from __future__ import annotations

import re
from typing import Any

import requests

from gateway.harness import ApiProcess


def assert_banner(banner: list[str], rest: str, root_method: str, http: str, url: str) -> None:
    """`rest`/`http`: the tail of those routes' lines up to their payload; `url`: the Function
    URL's function."""
    assert "serving 5 route(s)" in banner[0]
    routes = "\n".join(banner)
    assert re.search(r"ANY /\{proxy\+\} .*" + re.escape(rest), routes)
    assert re.search(root_method + r" / .*" + re.escape(rest), routes)
    assert re.search(r"GET /orders/\{id\} .*" + re.escape(http + "2.0)"), routes)
    assert re.search(r"POST /v1/orders .*" + re.escape(http + "1.0)"), routes)
    assert re.search(r"Function URL .*/lambda-url/[a-z]{32}/  → " + re.escape(url), routes)


def rest_proxy_event(api: ApiProcess, function: str, stage: str) -> dict[str, Any]:
    """GET /items/42?x=1 through the REST API's `/{proxy+}`: its 1.0 event, checked."""
    answer = requests.get(api.url + "/items/42?x=1", timeout=30).json()
    assert answer["function"] == function
    event: dict[str, Any] = answer["event"]
    assert (event["resource"], event["path"], event["httpMethod"]) == (
        "/{proxy+}", "/items/42", "GET",
    )  # fmt: skip
    assert event["pathParameters"] == {"proxy": "items/42"}
    assert event["stageVariables"] == {"color": "blue"}
    context = event["requestContext"]
    assert (context["stage"], context["path"]) == (stage, f"/{stage}/items/42")
    return event


def http_route_event(api: ApiProcess, function: str) -> dict[str, Any]:
    """GET /orders/7 through the HTTP API's 2.0 route: its event, checked."""
    answer = requests.get(api.url + "/orders/7", timeout=30).json()
    assert answer["function"] == function
    event: dict[str, Any] = answer["event"]
    assert (event["version"], event["routeKey"], event["rawPath"]) == (
        "2.0", "GET /orders/{id}", "/orders/7",
    )  # fmt: skip
    assert event["pathParameters"] == {"id": "7"}
    assert event["requestContext"]["stage"] == "$default"
    return event


def v1_integration_event(api: ApiProcess) -> dict[str, Any]:
    """POST /v1/orders through the HTTP API's 1.0 integration: its event, checked."""
    event: dict[str, Any] = requests.post(api.url + "/v1/orders", data="{}", timeout=30).json()[
        "event"
    ]
    assert event["version"] == "1.0"
    assert (event["resource"], event["httpMethod"], event["body"]) == ("/v1/orders", "POST", "{}")
    return event


def function_url_event(api: ApiProcess, query: str = "") -> dict[str, Any]:
    """POST "hi" to the Function URL's /hook from another origin: its 2.0 event, checked (the
    CORS header, the function `shop-webhook`, the URL's id as the apiId)."""
    line = next(line for line in api.banner if "Function URL" in line)
    found = re.search(r"(http://\S+/lambda-url/([a-z]{32})/)", line)
    assert found, line
    response = requests.post(
        found.group(1) + "hook" + query,
        data="hi",
        headers={"Origin": "http://a.example"},
        timeout=30,
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    answer = response.json()
    assert answer["function"] == "shop-webhook"  # its FunctionName
    event: dict[str, Any] = answer["event"]
    assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "$default", "/hook")
    assert event["requestContext"]["apiId"] == found.group(2)
    return event
