"""Function URLs on the emulator: the five config operations through boto3, and the URL that
GetFunctionUrlConfig returns, called with requests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from emulator.harness import EmulatorProcess


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_the_config_lifecycle(
    lam: Any, deploy: Callable[..., str], emulator: EmulatorProcess
) -> None:
    name = deploy()
    created = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    url = created["FunctionUrl"]
    assert url.startswith(emulator.endpoint + "/lambda-url/") and url.endswith("/")
    assert created["FunctionArn"].endswith(f":function:{name}")
    assert "LastModifiedTime" not in created
    with pytest.raises(ClientError) as duplicate:
        lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert error_code(duplicate) == "ResourceConflictException"
    assert "FunctionUrlConfig exists for this Lambda function" in str(duplicate.value)

    got = lam.get_function_url_config(FunctionName=name)
    assert got["FunctionUrl"] == url  # stable
    assert got["InvokeMode"] == "BUFFERED" and got["LastModifiedTime"]
    updated = lam.update_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    assert updated["AuthType"] == "AWS_IAM" and updated["FunctionUrl"] == url
    listed = lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
    assert [c["FunctionUrl"] for c in listed] == [url]

    lam.delete_function_url_config(FunctionName=name)
    with pytest.raises(ClientError) as gone:
        lam.get_function_url_config(FunctionName=name)
    assert error_code(gone) == "ResourceNotFoundException"
    assert requests.get(url, timeout=30).status_code == 404


def test_bad_requests_name_what_is_wrong(lam: Any, deploy: Callable[..., str]) -> None:
    with pytest.raises(ClientError) as missing:
        lam.create_function_url_config(FunctionName="fn-does-not-exist", AuthType="NONE")
    assert error_code(missing) == "ResourceNotFoundException"
    name = deploy()
    with pytest.raises(ClientError) as mode:
        lam.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="UNKNOWN")
    assert error_code(mode) == "ValidationException"
    assert "invokeMode" in str(mode.value)


def test_the_url_runs_the_function_with_a_2_0_event(lam: Any, deploy: Callable[..., str]) -> None:
    name = deploy(answer="from-url")
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    response = requests.post(url + "orders/7?x=1", json={"a": 1}, timeout=30)
    assert response.status_code == 200
    answer = response.json()
    assert answer["answer"] == "from-url"
    event = answer["event"]
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/orders/7" and event["rawQueryString"] == "x=1"
    assert event["body"] == '{"a": 1}'
    assert event["requestContext"]["apiId"] == url.rstrip("/").rsplit("/", 1)[1]


def test_aws_iam_urls_need_a_signature(lam: Any, deploy: Callable[..., str]) -> None:
    name = deploy()
    url = lam.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")["FunctionUrl"]
    unsigned = requests.get(url, timeout=30)
    assert unsigned.status_code == 403
    assert unsigned.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "lambda", "us-east-1").add_auth(request)
    assert requests.get(url, headers=dict(request.headers), timeout=30).status_code == 200


def test_configs_and_urls_survive_a_restart(tmp_path: Path) -> None:
    from emulator.harness import ROLE, handler_zip, make_client, start_emulator

    data = tmp_path / "data"
    first = start_emulator(data)
    port = int(first.endpoint.rsplit(":", 1)[1])
    try:
        lam = make_client(first.endpoint)
        lam.create_function(
            FunctionName="kept", Runtime="python3.12", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": handler_zip("kept")},
        )  # fmt: skip
        url = lam.create_function_url_config(FunctionName="kept", AuthType="NONE")["FunctionUrl"]
    finally:
        first.stop()
    second = start_emulator(data, port=port)
    try:
        lam = make_client(second.endpoint)
        assert lam.get_function_url_config(FunctionName="kept")["FunctionUrl"] == url
        assert requests.get(url, timeout=30).json()["answer"] == "kept"
    finally:
        second.stop()


def test_the_host_header_form_reaches_the_function(
    lam: Any, deploy: Callable[..., str], emulator: EmulatorProcess
) -> None:
    name = deploy(answer="by-host")
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    url_id = url.rstrip("/").rsplit("/", 1)[1]
    host = f"{url_id}.lambda-url.us-east-1.localhost"
    response = requests.get(emulator.endpoint + "/orders/1", headers={"Host": host}, timeout=30)
    assert response.status_code == 200
    answer = response.json()
    assert answer["answer"] == "by-host" and answer["event"]["rawPath"] == "/orders/1"
    # The Lambda API itself is untouched by the middleware.
    assert lam.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name


def test_a_urls_cors_config_answers_the_preflight(lam: Any, deploy: Callable[..., str]) -> None:
    name = deploy()
    cors = {"AllowOrigins": ["http://app.example"], "AllowMethods": ["POST"], "MaxAge": 60}
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE", Cors=cors)[
        "FunctionUrl"
    ]
    assert lam.get_function_url_config(FunctionName=name)["Cors"]["AllowOrigins"] == [
        "http://app.example"
    ]
    preflight = requests.options(
        url,
        headers={"Origin": "http://app.example", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://app.example"
    assert preflight.headers["Access-Control-Max-Age"] == "60"
    answer = requests.post(url, json={}, headers={"Origin": "http://app.example"}, timeout=30)
    assert answer.headers["Access-Control-Allow-Origin"] == "http://app.example"
    stranger = requests.post(url, json={}, headers={"Origin": "http://evil.example"}, timeout=30)
    assert "Access-Control-Allow-Origin" not in stranger.headers
