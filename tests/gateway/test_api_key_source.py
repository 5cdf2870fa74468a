"""`lamina api` on `ApiKeySourceType: AUTHORIZER` (apps/key_source): the Lambda authorizer's
`usageIdentifierKey` is the API key, checked against the template's keys and metered by the
usage plan, and the x-api-key header is not read. Throttles are counted in answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gateway.harness import ApiProcess
from lamina.gateway.authorizers import Authorizer
from lamina.gateway.template_apis import read_template_apis
from lamina.gateway.terraform_apis import read_terraform_apis

TENANT = "tenant-key-0123456789abcdef"


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("key_source", tmp_path_factory.mktemp("key_source"))
    yield api
    api.stop()


def get(api: ApiProcess, token: str, **headers: str) -> requests.Response:
    headers["Authorization"] = token
    return requests.get(api.url + "/orders", headers=headers, timeout=30)


def test_the_authorizers_key_reaches_the_function_and_is_metered(keyed: ApiProcess) -> None:
    answer = get(keyed, "tenant")  # no x-api-key header: the authorizer names the key
    assert answer.status_code == 200
    key, key_id = answer.json()
    assert key == TENANT and key_id
    refused = get(keyed, "tenant")  # the plan's BurstLimit 1, RateLimit 0.01/s, per key
    assert refused.status_code == 429
    assert refused.json() == {"message": "Too Many Requests"}
    keyed.wait_for_log("authorizer Keys: usage plan: throttled: RateLimit 0.01/s, BurstLimit 1")
    assert get(keyed, "other").status_code == 200  # another key has its own bucket


def test_no_key_or_a_stranger_from_the_authorizer_is_forbidden(keyed: ApiProcess) -> None:
    for token in ("keyless", "stranger"):
        # The header holds a key of the template, but the API's keys come from its authorizer.
        refused = get(keyed, token, **{"x-api-key": TENANT})
        assert refused.status_code == 403
        assert refused.json() == {"message": "Forbidden"}
    keyed.wait_for_log("its usageIdentifierKey is no API key of the route")


def test_a_key_route_without_a_lambda_authorizer_refuses_every_request(keyed: ApiProcess) -> None:
    why = "ApiKeySourceType AUTHORIZER, but no Lambda authorizer gives the route a key"
    assert f"EchoFunction.Events.Open: {why}: every request is refused (403)" in keyed.stderr()
    refused = requests.get(keyed.url + "/open", headers={"x-api-key": TENANT}, timeout=30)
    assert refused.status_code == 403
    assert refused.json() == {"message": "Forbidden"}
    keyed.wait_for_log(f"usage plan of Api: {why}")


def test_the_openapi_extension_names_the_source_too(tmp_path: Path) -> None:
    """`x-amazon-apigateway-api-key-source: AUTHORIZER` in a DefinitionBody, without the
    ApiKeySourceType property: the route's key comes from its authorizer, not the header."""
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Api:\n"
        "    Type: AWS::Serverless::Api\n"
        "    Properties:\n"
        "      StageName: dev\n"
        "      DefinitionBody: {openapi: 3.0.1, x-amazon-apigateway-api-key-source: AUTHORIZER}\n"
        "      Auth:\n"
        "        ApiKeyRequired: true\n"
        "        DefaultAuthorizer: Keys\n"
        "        Authorizers: {Keys: {FunctionArn: !GetAtt Keys.Arn}}\n"
        "  Keys: {Type: AWS::Serverless::Function, Properties: {Handler: a.b, Runtime: python3.11}}\n"
        "  Echo:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Handler: a.b\n"
        "      Runtime: python3.11\n"
        "      Events:\n"
        "        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /o, Method: get}}\n"
    )
    (route,) = read_template_apis(template, {"Keys", "Echo"}).routes
    assert not route.api_key_required  # the front reads no x-api-key
    assert isinstance(route.authorizer, Authorizer) and route.authorizer.key_source is not None


def test_terraforms_api_key_source_names_the_authorizer_too(tmp_path: Path) -> None:
    """`api_key_source = "AUTHORIZER"` on an aws_api_gateway_rest_api: the key-required
    method's key comes from its authorizer, as with CloudFormation's ApiKeySourceType."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_api_gateway_rest_api" "keyed" {\n'
        '  name           = "keyed"\n'
        '  api_key_source = "AUTHORIZER"\n'
        "}\n"
        'resource "aws_api_gateway_authorizer" "keys" {\n'
        '  name           = "keys"\n'
        "  rest_api_id    = aws_api_gateway_rest_api.keyed.id\n"
        "  authorizer_uri = aws_lambda_function.keys.invoke_arn\n"
        "}\n"
        'resource "aws_api_gateway_resource" "orders" {\n'
        "  rest_api_id = aws_api_gateway_rest_api.keyed.id\n"
        "  parent_id   = aws_api_gateway_rest_api.keyed.root_resource_id\n"
        '  path_part   = "orders"\n'
        "}\n"
        'resource "aws_api_gateway_method" "orders" {\n'
        "  rest_api_id      = aws_api_gateway_rest_api.keyed.id\n"
        "  resource_id      = aws_api_gateway_resource.orders.id\n"
        '  http_method      = "GET"\n'
        '  authorization    = "CUSTOM"\n'
        "  authorizer_id    = aws_api_gateway_authorizer.keys.id\n"
        "  api_key_required = true\n"
        "}\n"
        'resource "aws_api_gateway_integration" "orders" {\n'
        "  rest_api_id             = aws_api_gateway_rest_api.keyed.id\n"
        "  resource_id             = aws_api_gateway_resource.orders.id\n"
        "  http_method             = aws_api_gateway_method.orders.http_method\n"
        '  integration_http_method = "POST"\n'
        '  type                    = "AWS_PROXY"\n'
        "  uri                     = aws_lambda_function.echo.invoke_arn\n"
        "}\n"
        'resource "aws_api_gateway_stage" "dev" {\n'
        "  rest_api_id = aws_api_gateway_rest_api.keyed.id\n"
        '  stage_name  = "dev"\n'
        "}\n"
        'resource "aws_lambda_function" "keys" {\n'
        '  function_name = "keys"\n'
        '  handler       = "handler.keys"\n'
        '  runtime       = "python3.12"\n'
        "}\n"
        'resource "aws_lambda_function" "echo" {\n'
        '  function_name = "echo"\n'
        '  handler       = "handler.echo"\n'
        '  runtime       = "python3.12"\n'
        "}\n"
    )
    (route,) = read_terraform_apis(tmp_path / "main.tf", {"keys", "echo"}).routes
    assert not route.api_key_required  # the front reads no x-api-key
    assert isinstance(route.authorizer, Authorizer) and route.authorizer.key_source is not None
