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
