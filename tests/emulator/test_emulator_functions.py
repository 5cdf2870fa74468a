"""Functions through boto3 against `lamina serve`: Create, Get, GetConfiguration, List, Delete,
UpdateCode, UpdateConfiguration, their errors, update states with --update-delay, and restart."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from emulator.harness import (
    ACCOUNT,
    ROLE,
    check_shape,
    handler_zip,
    make_client,
    raw_call,
    start_emulator,
    unique,
)


def invoke_json(lam: Any, name: str, event: Any = None, **params: Any) -> Any:
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **params)
    return json.loads(response["Payload"].read())


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def test_create_get_and_shapes(lam: Any, emulator: Any, lambda_model: Any) -> None:
    name = unique()
    package = handler_zip("first")
    created = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package},
        Description="a test",
        Timeout=10,
        MemorySize=256,
        Environment={"Variables": {"GREETING": "hi"}},
        Tags={"team": "lamina"},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(package).digest()).decode()
    assert created["CodeSize"] == len(package)
    assert created["Version"] == "$LATEST"
    # AWS answers Pending (no LastUpdateStatus yet); the next request sees Active.
    assert created["State"] == "Pending" and "LastUpdateStatus" not in created
    lam.get_waiter("function_active_v2").wait(FunctionName=name)

    got = lam.get_function(FunctionName=name)
    config = got["Configuration"]
    assert config["Timeout"] == 10 and config["MemorySize"] == 256
    assert config["Environment"] == {"Variables": {"GREETING": "hi"}}
    assert config["RevisionId"] != created["RevisionId"]  # a new one once Active, as on AWS
    assert got["Tags"] == {"team": "lamina"}
    with urllib.request.urlopen(got["Code"]["Location"]) as download:
        assert download.read() == package

    assert lam.get_function_configuration(FunctionName=name)["CodeSha256"] == created["CodeSha256"]
    assert invoke_json(lam, name)["greeting"] == "hi"
    assert invoke_json(lam, name)["memory"] == "256"

    # The raw bodies use only the members botocore's model knows, with the right types.
    status, _, body = raw_call(emulator.endpoint, "GET", f"/2015-03-31/functions/{name}")
    assert status == 200
    check_shape(lambda_model, "GetFunctionResponse", json.loads(body))
    status, _, body = raw_call(emulator.endpoint, "GET", "/2015-03-31/functions?MaxItems=3")
    check_shape(lambda_model, "ListFunctionsResponse", json.loads(body))


def test_function_names_as_arns(lam: Any, deploy: Any) -> None:
    name = deploy()
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    for ref in (arn, f"{ACCOUNT}:function:{name}", f"{name}:$LATEST", f"{arn}:$LATEST"):
        assert lam.get_function(FunctionName=ref)["Configuration"]["FunctionName"] == name
    with pytest.raises(ClientError) as e:
        lam.get_function(FunctionName=f"{name}:$LATEST", Qualifier="1")
    assert error_code(e) == "InvalidParameterValueException"


def test_create_errors(lam: Any, deploy: Any) -> None:
    base: dict[str, Any] = {
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "app.handler",
        "Code": {"ZipFile": handler_zip()},
    }
    name = deploy()
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_function(FunctionName=name, **base)

    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"Role": "not-a-role"}, "ValidationException", "role"),
        ({"Runtime": "nodejs20.x"}, "InvalidParameterValueException", "Python"),
        ({"Timeout": 901}, "ValidationException", "timeout"),
        ({"MemorySize": 20480}, "ValidationException", "memorySize"),
        (
            {"Environment": {"Variables": {"AWS_REGION": "x"}}},
            "InvalidParameterValueException",
            "reserved keys",
        ),
        (
            {"Code": {"S3Bucket": "my-bucket", "S3Key": "k.zip"}},
            "InvalidParameterValueException",
            "S3",
        ),
        ({"Code": {"ZipFile": b"not a zip"}}, "InvalidParameterValueException", "zip"),
        ({"PackageType": "Image", "Code": {"ImageUri": "x"}}, "InvalidParameterValueException", ""),
    ]
    for change, code, words in cases:
        with pytest.raises(ClientError) as e:
            lam.create_function(FunctionName=unique(), **{**base, **change})
        assert error_code(e) == code, change
        assert words in e.value.response["Error"]["Message"], change
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    missing_handler = {k: v for k, v in base.items() if k != "Handler"}
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.create_function(FunctionName=unique(), **missing_handler)


def test_not_found(lam: Any) -> None:
    name = unique("missing")
    for call in (
        lambda: lam.get_function(FunctionName=name),
        lambda: lam.get_function_configuration(FunctionName=name),
        lambda: lam.delete_function(FunctionName=name),
        lambda: lam.invoke(FunctionName=name),
        lambda: lam.update_function_configuration(FunctionName=name, Timeout=5),
        lambda: lam.list_versions_by_function(FunctionName=name),
    ):
        with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
            call()
        assert name in e.value.response["Error"]["Message"]
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_list_functions_pagination(lam: Any, deploy: Any, emulator: Any) -> None:
    prefix = unique("list")
    names = sorted(deploy(name=f"{prefix}-{i}") for i in range(5))
    lam.publish_version(FunctionName=names[0])
    seen: list[str] = []
    pages = 0
    marker = None
    while True:
        params: dict[str, Any] = {"MaxItems": 2}
        if marker:
            params["Marker"] = marker
        page = lam.list_functions(**params)
        pages += 1
        assert len(page["Functions"]) <= 2
        seen += [f["FunctionName"] for f in page["Functions"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert len(seen) == len(set(seen)), "no function twice"
    assert [n for n in seen if n.startswith(prefix)] == names
    assert pages >= 3
    every = [
        (f["FunctionName"], f["Version"])
        for page in lam.get_paginator("list_functions").paginate(FunctionVersion="ALL")
        for f in page["Functions"]
        if f["FunctionName"] == names[0]
    ]
    assert every == [(names[0], "$LATEST"), (names[0], "1")]
    # botocore refuses MaxItems=0 itself; the emulator does too.
    status, headers, _ = raw_call(emulator.endpoint, "GET", "/2015-03-31/functions?MaxItems=0")
    assert (status, headers["x-amzn-ErrorType"]) == (400, "ValidationException")


def test_update_code_is_live_at_once(lam: Any, deploy: Any) -> None:
    name = deploy("old")
    assert invoke_json(lam, name)["answer"] == "old"  # warm
    before = lam.get_function_configuration(FunctionName=name)
    updated = lam.update_function_code(FunctionName=name, ZipFile=handler_zip("new"))
    assert updated["CodeSha256"] != before["CodeSha256"]
    assert updated["RevisionId"] != before["RevisionId"]
    assert updated["LastUpdateStatus"] == "InProgress"  # as AWS answers; done by the next call
    assert invoke_json(lam, name)["answer"] == "new"
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.update_function_code(
            FunctionName=name, ZipFile=handler_zip("newer"), RevisionId=before["RevisionId"]
        )
    dry = lam.update_function_code(FunctionName=name, ZipFile=handler_zip("dry"), DryRun=True)
    assert dry["CodeSha256"] != updated["CodeSha256"]
    assert (
        lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
        == (updated["CodeSha256"])
    )
    assert invoke_json(lam, name)["answer"] == "new"
    published = lam.update_function_code(
        FunctionName=name, ZipFile=handler_zip("published"), Publish=True
    )
    assert published["Version"] == "1"
    assert invoke_json(lam, name, Qualifier="1")["answer"] == "published"


def test_update_configuration(lam: Any, deploy: Any) -> None:
    name = deploy()
    assert invoke_json(lam, name)["greeting"] is None
    current = lam.get_function_configuration(FunctionName=name)
    updated = lam.update_function_configuration(
        FunctionName=name,
        Environment={"Variables": {"GREETING": "hello"}},
        MemorySize=512,
        Description="changed",
        RevisionId=current["RevisionId"],
    )
    assert updated["MemorySize"] == 512 and updated["Description"] == "changed"
    assert updated["Timeout"] == current["Timeout"], "members not given are kept"
    result = invoke_json(lam, name)
    assert result["greeting"] == "hello" and result["memory"] == "512"
    with pytest.raises(lam.exceptions.PreconditionFailedException) as e:
        lam.update_function_configuration(
            FunctionName=name, Timeout=30, RevisionId=current["RevisionId"]
        )
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    lam.update_function_configuration(FunctionName=name, Handler="app.missing")
    response = lam.invoke(FunctionName=name)
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "Runtime.HandlerNotFound"


def test_delete_function_and_versions(lam: Any, deploy: Any) -> None:
    name = deploy("one")
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=handler_zip("two"))
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="2")
    with pytest.raises(lam.exceptions.ResourceConflictException) as e:
        lam.delete_function(FunctionName=name, Qualifier="2")
    assert "live" in e.value.response["Error"]["Message"]
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.delete_function(FunctionName=name, Qualifier="$LATEST")
    lam.delete_function(FunctionName=name, Qualifier="9")  # a version that is gone: AWS says 204
    deleted = lam.delete_function(FunctionName=name, Qualifier="1")
    assert deleted["StatusCode"] == 204
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    assert versions == ["$LATEST", "2"]
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName=name, Qualifier="1")
    assert lam.publish_version(FunctionName=name)["Version"] == "2", "unchanged: the same version"
    lam.update_function_configuration(FunctionName=name, Timeout=7)
    assert lam.publish_version(FunctionName=name)["Version"] == "3", "numbers are never reused"
    lam.delete_function(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_alias(FunctionName=name, Name="live")


def test_update_delay_states_and_waiters(tmp_path: Path, lambda_model: Any) -> None:
    server = start_emulator(tmp_path / "data", "--update-delay", "1500")
    try:
        lam = make_client(server.endpoint)
        name = unique()
        created = lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": handler_zip("a")},
        )
        assert created["State"] == "Pending"
        assert created["StateReasonCode"] == "Creating"
        with pytest.raises(lam.exceptions.ResourceConflictException):
            lam.invoke(FunctionName=name)
        lam.get_waiter("function_active_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        assert lam.get_function(FunctionName=name)["Configuration"]["State"] == "Active"

        assert invoke_json(lam, name)["answer"] == "a"
        updated = lam.update_function_code(FunctionName=name, ZipFile=handler_zip("b"))
        assert updated["LastUpdateStatus"] == "InProgress"
        # As on AWS, invocations run the old code until the update completes.
        assert invoke_json(lam, name)["answer"] == "a"
        config = lam.get_function(FunctionName=name)["Configuration"]
        assert config["LastUpdateStatus"] == "InProgress" and config["State"] == "Active"
        status, _, body = raw_call(server.endpoint, "GET", f"/2015-03-31/functions/{name}")
        check_shape(lambda_model, "GetFunctionResponse", json.loads(body))
        for call in (
            lambda: lam.update_function_code(FunctionName=name, ZipFile=handler_zip("c")),
            lambda: lam.update_function_configuration(FunctionName=name, Timeout=9),
            lambda: lam.publish_version(FunctionName=name),
        ):
            with pytest.raises(lam.exceptions.ResourceConflictException) as e:
                call()
            assert "update is in progress" in e.value.response["Error"]["Message"]
        lam.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        assert lam.get_function(FunctionName=name)["Configuration"]["LastUpdateStatus"] == (
            "Successful"
        )
        assert invoke_json(lam, name)["answer"] == "b"

        lam.update_function_configuration(
            FunctionName=name, Environment={"Variables": {"GREETING": "hi"}}
        )
        assert invoke_json(lam, name)["greeting"] is None, "the old configuration, meanwhile"
        lam.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        assert invoke_json(lam, name)["greeting"] == "hi"
    finally:
        server.stop()


def test_waiter_for_a_missing_function_fails_cleanly(lam: Any) -> None:
    with pytest.raises(WaiterError):
        lam.get_waiter("function_active_v2").wait(
            FunctionName=unique("nope"), WaiterConfig={"Delay": 1, "MaxAttempts": 1}
        )


def test_state_survives_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_emulator(data)
    name = unique()
    try:
        lam = make_client(server.endpoint)
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": handler_zip("kept")},
            Tags={"a": "b"},
        )
        version = lam.publish_version(FunctionName=name)["Version"]
        lam.create_alias(FunctionName=name, Name="prod", FunctionVersion=version)
        lam.add_permission(
            FunctionName=name,
            StatementId="s3",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
        )
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
        lam.update_function_code(FunctionName=name, ZipFile=handler_zip("latest"))
        before = lam.get_function(FunctionName=name)
    finally:
        server.stop()
    server = start_emulator(data)
    try:
        lam = make_client(server.endpoint)
        after = lam.get_function(FunctionName=name)
        assert after["Configuration"] == before["Configuration"]
        assert after["Tags"] == {"a": "b"}
        assert after["Concurrency"] == {"ReservedConcurrentExecutions": 5}
        assert lam.get_alias(FunctionName=name, Name="prod")["FunctionVersion"] == version
        assert "s3.amazonaws.com" in lam.get_policy(FunctionName=name)["Policy"]
        assert invoke_json(lam, name)["answer"] == "latest"
        assert invoke_json(lam, name, Qualifier="prod")["answer"] == "kept"
    finally:
        server.stop()
