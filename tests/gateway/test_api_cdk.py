"""`lamina api` on a CDK app: the APIs of its cloud assembly (cdk.out), written by `cdk synth` as
plain CloudFormation: a REST API whose methods proxy to a function (payload 1.0, on the
Stage's name and variables), an HTTP API's routes (payload 2.0, or 1.0 as the integration
says), a Function URL. Functions are named by construct path, as everywhere else for CDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
from lamina.gateway.cdk_apis import read_cdk_apis


def _fresh_assembly(root: Path) -> None:
    fresh = time.time() + 60  # synthesized after the app's sources were last changed
    os.utime(root / "cdk.out" / "manifest.json", (fresh, fresh))


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("cdk_shop", tmp_path_factory.mktemp("cdk"), prepare=_fresh_assembly)
    yield api
    api.stop()


def test_the_banner_lists_the_stacks_routes_by_construct_path(shop: ApiProcess) -> None:
    assert_banner(
        shop.banner,
        rest="→ ShopStack/Items  (REST ShopApiA1B2C3D4, stage prod, payload 1.0)",
        root_method="ANY",
        http="→ ShopStack/Orders  (HTTP HttpApiF5A9A8A7, stage $default, payload ",
        url="ShopStack/Webhook",
    )


def test_what_is_not_served_is_named_by_construct_path(shop: ApiProcess) -> None:
    log = shop.stderr()
    assert (
        "warning: ShopStack/ShopApi/Default/legacy/GET: integration Type HTTP_PROXY is not "
        "served (only AWS_PROXY and AWS)"
    ) in log
    assert "the API Gateway resources of" not in log
    assert requests.get(shop.url + "/legacy", timeout=30).json()["event"]["resource"] == (
        "/{proxy+}"  # the proxy method catches it, as it would once the HTTP one is gone
    )


def test_a_rest_proxy_method_gets_the_1_0_event_on_the_stage(shop: ApiProcess) -> None:
    event = rest_proxy_event(shop, "Items1F2E3D4C", "prod")  # no FunctionName: the logical id
    assert event["queryStringParameters"] == {"x": "1"}
    assert event["requestContext"]["resourcePath"] == "/{proxy+}"
    root = requests.delete(shop.url + "/", timeout=30).json()["event"]
    assert (root["resource"], root["httpMethod"], root["pathParameters"]) == ("/", "DELETE", None)


def test_an_http_api_route_gets_the_2_0_event(shop: ApiProcess) -> None:
    event = http_route_event(shop, "Orders5A6B7C8D")
    assert event["requestContext"]["http"]["method"] == "GET"


def test_an_integration_of_payload_1_0_on_an_http_api_gets_the_1_0_event(shop: ApiProcess) -> None:
    event = v1_integration_event(shop)
    assert event["path"] == "/v1/orders"
    assert event["requestContext"]["stage"] == "$default"


def test_a_function_url_gets_the_2_0_event_and_its_cors(shop: ApiProcess) -> None:
    event = function_url_event(shop, "?a=1")
    assert event["rawQueryString"] == "a=1" and event["body"] == "hi"


def test_one_port_serves_both_apis_so_the_rest_proxy_takes_other_paths(shop: ApiProcess) -> None:
    # The REST API's /{proxy+} takes every path no route of its own method matches, as the one
    # port serves every API: what API Gateway's two hosts would tell apart is one table here.
    event = requests.put(shop.url + "/orders/7", timeout=30).json()["event"]
    assert event["resource"] == "/{proxy+}" and event["requestContext"]["stage"] == "prod"


def test_events_generate_fills_in_a_cdk_functions_route(shop: ApiProcess) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lamina", "events", "generate", "--function", "ShopStack/Orders"],
        cwd=shop.root, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    event = json.loads(out.stdout)
    assert (event["version"], event["routeKey"]) == ("2.0", "GET /orders/{id}")


def _function(path: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Handler": "handler.handler", "Runtime": "python3.12", "Code": "src"},
        "Metadata": {"aws:cdk:path": f"{path}/Resource"},
    }


def test_a_nested_stacks_http_route_and_a_websocket_api_name_construct_paths(
    tmp_path: Path,
) -> None:
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    uri = {"Fn::Join": ["", ["arn:aws:apigateway:", {"Ref": "AWS::Region"},
           ":lambda:path/2015-03-31/functions/", {"Fn::GetAtt": ["ChatAB12", "Arn"]},
           "/invocations"]]}  # fmt: skip
    target = {"Fn::Join": ["", ["integrations/", {"Ref": "WsInt"}]]}
    top = {
        "ChatAB12": _function("Top/Chat"),
        "Ws": {"Type": "AWS::ApiGatewayV2::Api",
               "Properties": {"ProtocolType": "WEBSOCKET", "Name": "ws"}},
        "WsInt": {"Type": "AWS::ApiGatewayV2::Integration",
                  "Properties": {"ApiId": {"Ref": "Ws"}, "IntegrationType": "AWS_PROXY",
                                 "IntegrationUri": uri}},
        "WsConnect": {"Type": "AWS::ApiGatewayV2::Route",
                      "Properties": {"ApiId": {"Ref": "Ws"}, "RouteKey": "$connect",
                                     "Target": target}},
        "WsAuth": {"Type": "AWS::ApiGatewayV2::Authorizer",
                   "Properties": {"ApiId": {"Ref": "Ws"}, "AuthorizerType": "REQUEST"},
                   "Metadata": {"aws:cdk:path": "Top/Ws/Auth/Resource"}},
        "Inner": {"Type": "AWS::CloudFormation::Stack", "Properties": {},
                  "Metadata": {"aws:asset:path": "TopInner.nested.template.json"}},
    }  # fmt: skip
    inner = {
        "Ping1234": _function("Top/Inner/Ping"),
        "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
        "HttpInt": {"Type": "AWS::ApiGatewayV2::Integration",
                    "Properties": {"ApiId": {"Ref": "Http"}, "IntegrationType": "AWS_PROXY",
                                   "IntegrationUri": {"Fn::GetAtt": ["Ping1234", "Arn"]},
                                   "PayloadFormatVersion": "2.0"}},
        "HttpPing": {"Type": "AWS::ApiGatewayV2::Route",
                     "Properties": {"ApiId": {"Ref": "Http"}, "RouteKey": "$default",
                                    "Target": {"Fn::Join": ["", ["integrations/",
                                                                 {"Ref": "HttpInt"}]]}}},
    }  # fmt: skip
    (assembly / "Top.template.json").write_text(json.dumps({"Resources": top}))
    (assembly / "TopInner.nested.template.json").write_text(json.dumps({"Resources": inner}))
    manifest = {"artifacts": {"Top": {"type": "aws:cloudformation:stack",
                "properties": {"templateFile": "Top.template.json"}}}}  # fmt: skip
    (assembly / "manifest.json").write_text(json.dumps(manifest))
    apis = read_cdk_apis(assembly / "manifest.json", {"Top/Chat", "Top/Inner/Ping"})
    assert apis.warnings == [
        f"{assembly / 'manifest.json'}: not read, lamina api serves the APIs without them: "
        "Top/Ws/Auth (AWS::ApiGatewayV2::Authorizer)"
    ]
    assert [(r.route_key, r.function, r.payload_version) for r in apis.routes] == [
        ("$default", "Top/Inner/Ping", "2.0")
    ]
    assert [(w.logical_id, w.routes) for w in apis.websocket_apis] == [
        ("Ws", (("$connect", "Top/Chat"),))
    ]


def test_the_rest_apis_mock_options_method_answers_the_preflight(shop: ApiProcess) -> None:
    # defaultCorsPreflightOptions: an OPTIONS method whose MOCK integration answers with the
    # Access-Control-* headers; the proxy's function is not called for it.
    response = requests.options(
        shop.url + "/items/1",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert response.headers["Access-Control-Allow-Methods"] == (
        "OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD"
    )
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    assert response.content == b""


def test_broken_api_resources_are_each_named_and_the_rest_is_served(tmp_path: Path) -> None:
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    api = {"Ref": "Rest"}
    proxy = {"Type": "AWS_PROXY", "Uri": {"Fn::GetAtt": ["Fn1", "Arn"]}}
    resources = {
        "Fn1": _function("S/Fn"),
        "Rest": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
        "Stage": {"Type": "AWS::ApiGateway::Stage",
                  "Properties": {"RestApiId": api, "StageName": "v1", "Variables": "oops"}},
        "Lost": {"Type": "AWS::ApiGateway::Method",
                 "Properties": {"RestApiId": api, "HttpMethod": "GET", "Integration": proxy,
                                "ResourceId": {"Ref": "Nowhere"}}},
        "Slow": {"Type": "AWS::ApiGateway::Method",
                 "Properties": {"RestApiId": api, "HttpMethod": "GET",
                                "Integration": {**proxy, "TimeoutInMillis": "soon"},
                                "ResourceId": {"Fn::GetAtt": ["Rest", "RootResourceId"]}}},
        "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
        "Orphan": {"Type": "AWS::ApiGatewayV2::Route",
                   "Properties": {"ApiId": {"Ref": "Http"}, "RouteKey": "GET /x",
                                  "Target": "integrations/none"}},
        "Url": {"Type": "AWS::Lambda::Url", "Properties": {"TargetFunctionArn": "arn:aws:x"}},
    }  # fmt: skip
    (assembly / "S.template.json").write_text(json.dumps({"Resources": resources}))
    manifest = {"artifacts": {"S": {"type": "aws:cloudformation:stack",
                "properties": {"templateFile": "S.template.json"}}}}  # fmt: skip
    (assembly / "manifest.json").write_text(json.dumps(manifest))
    apis = read_cdk_apis(assembly / "manifest.json", {"S/Fn"})
    assert [(r.route_key, r.function, r.timeout_ms, r.api.stage) for r in apis.routes] == [
        ("GET /", "S/Fn", None, "v1")
    ]
    assert apis.routes[0].api.stage_variables == ()
    assert sorted(apis.warnings) == [
        "Lost: its resource path is not one this template defines; route skipped",
        "Orphan: its Target is no integration of this template; skipped",
        "Slow: TimeoutInMillis soon is not a number; the default is used",
        "Url: its TargetFunctionArn names no function of this template; skipped",
    ]
