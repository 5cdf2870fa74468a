"""Function URLs from the template's FunctionUrlConfig, served by `lamina api` under a stable
path prefix (and by Host header), with AWS_IAM's signature check."""

from __future__ import annotations

import re
from pathlib import Path

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from gateway.harness import ApiProcess
from lamina.gateway.function_urls import url_id_for
from lamina.gateway.template_apis import read_template_apis


def function_url(api: ApiProcess, function: str) -> str:
    line = next(line for line in api.banner if "Function URL" in line and function in line)
    found = re.search(r"(http://\S+/lambda-url/[a-z0-9]{32}/)", line)
    assert found, line
    return found.group(1)


def test_a_function_url_gets_the_2_0_event_with_its_prefix_stripped(shop: ApiProcess) -> None:
    url = function_url(shop, "EchoFunction")
    url_id = url.rstrip("/").rsplit("/", 1)[1]
    response = requests.post(url + "orders/7?x=1&x=2", data="hi", timeout=30)
    assert response.status_code == 200
    event = response.json()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/orders/7"
    assert event["rawQueryString"] == "x=1&x=2"
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["body"] == "hi"
    assert "pathParameters" not in event and "stageVariables" not in event
    context = event["requestContext"]
    assert context["apiId"] == url_id
    assert context["stage"] == "$default"
    assert context["http"]["path"] == "/orders/7"
    assert context["http"]["method"] == "POST"


def test_the_host_header_form_reaches_the_same_function(shop: ApiProcess) -> None:
    url_id = function_url(shop, "EchoFunction").rstrip("/").rsplit("/", 1)[1]
    host = f"{url_id}.lambda-url.us-east-1.localhost"
    response = requests.get(shop.url + "/by/host", headers={"Host": host}, timeout=30)
    assert response.status_code == 200
    event = response.json()
    assert event["rawPath"] == "/by/host"
    assert event["requestContext"]["domainName"] == host
    assert event["requestContext"]["domainPrefix"] == url_id


def test_an_unknown_url_id_is_404(shop: ApiProcess) -> None:
    response = requests.get(shop.url + "/lambda-url/" + "a" * 32 + "/", timeout=30)
    assert response.status_code == 404


def test_aws_iam_needs_a_sigv4_signature(shop: ApiProcess) -> None:
    url = function_url(shop, "MeFunction")
    unsigned = requests.get(url, timeout=30)
    assert unsigned.status_code == 403
    assert unsigned.json()["Message"].startswith("Forbidden. For troubleshooting Function URL")
    assert unsigned.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    shop.wait_for_log("no Authorization header (AuthType AWS_IAM needs a SigV4 signature)")
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "lambda", "us-east-1").add_auth(request)
    signed = requests.get(url, headers=dict(request.headers), timeout=30)
    assert signed.status_code == 200
    assert signed.text == "me"


def test_an_aws_lambda_url_resource_in_a_sam_template_is_read_as_function_url_config_is(
    tmp_path: Path,
) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Hook:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: src}\n"
        "  HookUrl:\n"
        "    Type: AWS::Lambda::Url\n"
        "    Properties: {TargetFunctionArn: !Ref Hook, AuthType: AWS_IAM,"
        " InvokeMode: RESPONSE_STREAM}\n"
    )
    apis = read_template_apis(template, {"Hook"})
    assert apis.warnings == []
    assert [(u.function, u.auth_type, u.invoke_mode) for u in apis.function_urls] == [
        ("Hook", "AWS_IAM", "RESPONSE_STREAM")
    ]
    assert apis.function_urls[0].url_id == url_id_for("Hook")
