"""Asynchronous invokes (InvocationType=Event) through boto3: the persistent queue, AWS's retries,
destinations with AWS's invocation record, event age, and PutFunctionEventInvokeConfig & co."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator.harness import (
    ROLE,
    EmulatorProcess,
    check_shape,
    make_client,
    start_emulator,
    unique,
    wait_until,
)
from lamina.deploy.package import build_zip

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"

# Counts its attempts per event (one file per event id) and fails the first `fail_times`.
COUNTING = """
import os

def handler(event, context):
    path = os.path.join(event["dir"], str(event["id"]))
    with open(path, "a") as f:
        f.write("x")
    attempt = os.path.getsize(path)
    if attempt <= event.get("fail_times", 0):
        raise RuntimeError(f"attempt {attempt} of {event['id']}")
    return {"id": event["id"], "attempt": attempt}
"""
# A destination: writes each invocation record it gets to <dir>/<condition>-<id>.json.
RECORDER = """
import json, os

def handler(record, context):
    request = record["requestPayload"]
    name = f"{record['requestContext']['condition']}-{request['id']}.json"
    with open(os.path.join(request["dir"], name), "w") as f:
        json.dump(record, f)
"""


def deploy_source(lam: Any, source: str, tmp: Path, name: str | None = None, **params: Any) -> str:
    name = name or unique()
    code = tmp / f"code-{name}"
    code.mkdir()
    (code / "app.py").write_text(source)
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": build_zip(code)},
        **params,
    )
    return name


def send_events(endpoint: str, name: str, events: list[dict[str, Any]], threads: int = 8) -> None:
    """Event invokes from several threads (each with its own client); all must be accepted."""
    chunks = [events[i::threads] for i in range(threads)]
    errors: list[BaseException] = []

    def send(chunk: list[dict[str, Any]]) -> None:
        client = make_client(endpoint)
        try:
            for event in chunk:
                response = client.invoke(
                    FunctionName=name, InvocationType="Event", Payload=json.dumps(event).encode()
                )
                assert response["StatusCode"] == 202
        except BaseException as e:
            errors.append(e)

    workers = [threading.Thread(target=send, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert not errors, errors


def attempts(folder: Path, event_id: int | str) -> int:
    path = folder / str(event_id)
    return path.stat().st_size if path.exists() else 0


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """An emulator whose async retries come after 50 and 100 ms."""
    server = start_emulator(
        tmp_path_factory.mktemp("async") / "data", "--async-retry-delays", "0.05,0.1"
    )
    try:
        yield server
    finally:
        server.stop()


def test_a_thousand_events_with_retries_and_failures(fast: EmulatorProcess, tmp_path: Path) -> None:
    lam = make_client(fast.endpoint)
    worker = deploy_source(lam, COUNTING, tmp_path)
    recorder = deploy_source(lam, RECORDER, tmp_path)
    lam.put_function_event_invoke_config(
        FunctionName=worker, DestinationConfig={"OnFailure": {"Destination": ARN + recorder}}
    )
    out = tmp_path / "out"
    out.mkdir()
    # 10% fail twice then succeed (the 2 default retries); 2% always fail.
    fail_times = {i: 2 if i % 10 == 0 else 9 if i % 50 == 5 else 0 for i in range(1000)}
    events = [{"dir": str(out), "id": i, "fail_times": n} for i, n in fail_times.items()]
    send_events(fast.endpoint, worker, events)

    doomed = [i for i, n in fail_times.items() if n == 9]
    wait_until(lambda: all((out / f"RetriesExhausted-{i}.json").exists() for i in doomed), 90)
    wait_until(lambda: all(attempts(out, i) == min(n, 2) + 1 for i, n in fail_times.items()), 60)

    for i, n in fail_times.items():
        assert attempts(out, i) == min(n, 2) + 1, f"event {i}: retries as AWS counts them"
    failures = sorted(out.glob("RetriesExhausted-*.json"))
    assert len(failures) == len(doomed)
    record = json.loads((out / f"RetriesExhausted-{doomed[0]}.json").read_text())
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    context = record["requestContext"]
    assert context["condition"] == "RetriesExhausted"
    assert context["approximateInvokeCount"] == 3
    assert context["functionArn"] == ARN + worker + ":$LATEST"
    assert len(context["requestId"]) == 36
    assert record["requestPayload"] == events[doomed[0]]
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    assert record["responsePayload"]["errorMessage"] == f"attempt 3 of {doomed[0]}"
    retried = 2 * sum(1 for n in fail_times.values() if n)
    line = f"invoke {worker}:$LATEST Event (retry "
    wait_until(lambda: fast.log().count(line) >= retried, 10)  # the log is written in batches
    assert fast.log().count(line) == retried, "every retry is logged"


def test_on_success_and_retry_settings(fast: EmulatorProcess, tmp_path: Path) -> None:
    lam = make_client(fast.endpoint)
    worker = deploy_source(lam, COUNTING, tmp_path)
    recorder = deploy_source(lam, RECORDER, tmp_path)
    lam.put_function_event_invoke_config(
        FunctionName=worker,
        MaximumRetryAttempts=0,
        DestinationConfig={
            "OnSuccess": {"Destination": ARN + recorder},
            "OnFailure": {"Destination": ARN + recorder},
        },
    )
    out = tmp_path / "out"
    out.mkdir()
    send_events(
        fast.endpoint,
        worker,
        [{"dir": str(out), "id": 1}, {"dir": str(out), "id": 2, "fail_times": 1}],
        1,
    )
    wait_until(
        lambda: (out / "Success-1.json").exists() and (out / "RetriesExhausted-2.json").exists()
    )
    assert attempts(out, 2) == 1, "MaximumRetryAttempts 0: no retry"
    success = json.loads((out / "Success-1.json").read_text())
    assert success["requestContext"]["condition"] == "Success"
    assert success["requestContext"]["approximateInvokeCount"] == 1
    assert success["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert success["responsePayload"] == {"id": 1, "attempt": 1}

    # An alias has its own settings; the unqualified function's don't apply to it.
    lam.publish_version(FunctionName=worker)
    lam.create_alias(FunctionName=worker, Name="live", FunctionVersion="1")
    lam.put_function_event_invoke_config(
        FunctionName=worker,
        Qualifier="live",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": ARN + recorder}},
    )
    client = make_client(fast.endpoint)
    client.invoke(
        FunctionName=worker,
        Qualifier="live",
        InvocationType="Event",
        Payload=json.dumps({"dir": str(out), "id": 3, "fail_times": 5}).encode(),
    )
    wait_until(lambda: (out / "RetriesExhausted-3.json").exists())
    record = json.loads((out / "RetriesExhausted-3.json").read_text())
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["functionArn"] == ARN + worker + ":1"
    assert record["responseContext"]["executedVersion"] == "1"


def test_event_invoke_config_api(lam: Any, deploy: Any, lambda_model: Any) -> None:
    name = deploy()
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_event_invoke_config(FunctionName=name)
    put = lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=1, MaximumEventAgeInSeconds=120
    )
    assert put["FunctionArn"] == ARN + name + ":$LATEST"
    assert put["MaximumRetryAttempts"] == 1 and put["MaximumEventAgeInSeconds"] == 120
    assert put["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}
    got = lam.get_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST")
    assert got["MaximumEventAgeInSeconds"] == 120 and "LastModified" in got

    elsewhere = deploy()  # a destination function must exist (AWS: "...ARN ... is invalid.")
    updated = lam.update_function_event_invoke_config(
        FunctionName=name,
        DestinationConfig={"OnFailure": {"Destination": ARN + elsewhere}},
    )
    assert updated["MaximumRetryAttempts"] == 1, "Update keeps what it does not name"
    assert updated["DestinationConfig"]["OnFailure"] == {"Destination": ARN + elsewhere}
    replaced = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2)
    assert "MaximumEventAgeInSeconds" not in replaced, "Put replaces the whole configuration"
    assert replaced["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}

    lam.publish_version(FunctionName=name)
    lam.put_function_event_invoke_config(FunctionName=name, Qualifier="1", MaximumRetryAttempts=0)
    listed = lam.list_function_event_invoke_configs(FunctionName=name)
    arns = [c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"]]
    assert arns == [ARN + name + ":$LATEST", ARN + name + ":1"]
    page = lam.list_function_event_invoke_configs(FunctionName=name, MaxItems=1)
    assert len(page["FunctionEventInvokeConfigs"]) == 1 and page["NextMarker"]

    unchecked = make_client(lam.meta.endpoint_url, parameter_validation=False)
    for bad in (
        {"MaximumRetryAttempts": 3},
        {"MaximumEventAgeInSeconds": 21601},
        {"MaximumEventAgeInSeconds": 59},
    ):
        with pytest.raises(ClientError) as e:
            unchecked.put_function_event_invoke_config(FunctionName=name, **bad)
        assert e.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_function_event_invoke_config(FunctionName=name)  # nothing to set
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_function_event_invoke_config(
            FunctionName=name,
            DestinationConfig={
                "OnFailure": {"Destination": "arn:aws:sns:us-east-1:123456789012:t"}
            },
        )
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.put_function_event_invoke_config(
            FunctionName=name, Qualifier="9", MaximumRetryAttempts=0
        )
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.update_function_event_invoke_config(FunctionName=deploy(), MaximumRetryAttempts=0)

    lam.delete_function_event_invoke_config(FunctionName=name, Qualifier="1")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.delete_function_event_invoke_config(FunctionName=name, Qualifier="1")
    remaining = lam.list_function_event_invoke_configs(FunctionName=name)
    assert len(remaining["FunctionEventInvokeConfigs"]) == 1
    check_shape(lambda_model, "FunctionEventInvokeConfig", _raw_config(lam, name))


def _raw_config(lam: Any, name: str) -> dict[str, Any]:
    from emulator.harness import raw_call

    endpoint = lam.meta.endpoint_url
    status, _, body = raw_call(endpoint, "GET", f"/2019-09-25/functions/{name}/event-invoke-config")
    assert status == 200
    data: dict[str, Any] = json.loads(body)
    return data


def test_async_payload_limit(lam: Any, deploy: Any) -> None:
    name = deploy()
    fits = json.dumps({"pad": "x" * (1024 * 1024 - 20)}).encode()
    assert len(fits) <= 1024 * 1024
    assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=fits)["StatusCode"] == 202
    with pytest.raises(lam.exceptions.RequestTooLargeException):
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=fits + b" " * 30)
