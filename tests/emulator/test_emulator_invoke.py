"""Invoke through boto3: RequestResponse, Event (202), DryRun (204), LogType=Tail, client
context, function errors, payload limits, and reserved concurrency (429)."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator.harness import raw_call


def wait_for(predicate: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def test_request_response_with_log_tail_and_client_context(lam: Any, deploy: Any) -> None:
    name = deploy("hello")
    context = base64.b64encode(json.dumps({"custom": {"user": "ada"}}).encode()).decode()
    response = lam.invoke(
        FunctionName=name, Payload=b'{"x": 1}', LogType="Tail", ClientContext=context
    )
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    body = json.loads(response["Payload"].read())
    assert body["event"] == {"x": 1}
    assert body["custom"] == {"user": "ada"}
    logs = base64.b64decode(response["LogResult"]).decode()
    assert logs.startswith("START RequestId: ")
    assert "answer hello" in logs and "\nEND RequestId: " in logs and "REPORT RequestId: " in logs
    request_id = response["ResponseMetadata"]["RequestId"]
    assert f"START RequestId: {request_id} Version: $LATEST" in logs

    big = lam.invoke(FunctionName=name, Payload=b'{"log_bytes": 10000}', LogType="Tail")
    tail = base64.b64decode(big["LogResult"])
    assert len(tail) == 4096 and tail.rstrip().split(b"\n")[-1].startswith(b"REPORT")
    assert "LogResult" not in lam.invoke(FunctionName=name)

    empty = lam.invoke(FunctionName=name)  # no payload: the event is {}
    assert json.loads(empty["Payload"].read())["event"] == {}


def test_function_error(lam: Any, deploy: Any) -> None:
    name = deploy("bad")
    response = lam.invoke(FunctionName=name, Payload=b'{"fail": true}')
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert error["errorType"] == "ValueError" and error["errorMessage"] == "boom bad"
    assert error["stackTrace"]
    again = lam.invoke(FunctionName=name)  # the environment goes on
    assert "FunctionError" not in again


def test_timeout_ends_the_invocation_no_earlier_than_the_timeout(lam: Any, deploy: Any) -> None:
    name = deploy("slow", Timeout=1)
    response = lam.invoke(FunctionName=name, Payload=b'{"sleep": 5}', LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["errorMessage"].endswith("Task timed out after 1.00 seconds")
    logs = base64.b64decode(response["LogResult"]).decode()
    assert "Task timed out after 1.00 seconds" in logs
    # The function had its whole second: the timer (uvloop's counts whole milliseconds) never
    # ends it before the deadline, so the REPORT's duration is never below the timeout.
    duration = re.search(r"REPORT RequestId: \S+\tDuration: ([\d.]+) ms", logs)
    assert duration and float(duration.group(1)) >= 1000.0, logs
    again = lam.invoke(FunctionName=name)  # a new environment takes the next one
    assert "FunctionError" not in again


def test_dry_run_and_event(lam: Any, deploy: Any, tmp_path: Path) -> None:
    name = deploy()
    marks = tmp_path / "marks.txt"
    dry = lam.invoke(
        FunctionName=name,
        InvocationType="DryRun",
        Payload=json.dumps({"append_to": str(marks), "mark": "dry"}).encode(),
    )
    assert dry["StatusCode"] == 204
    event = lam.invoke(
        FunctionName=name,
        InvocationType="Event",
        Payload=json.dumps({"append_to": str(marks), "mark": "event"}).encode(),
    )
    assert event["StatusCode"] == 202
    assert event["Payload"].read() == b""
    wait_for(lambda: marks.exists() and marks.read_text().strip())
    time.sleep(0.3)  # nothing else arrives: once, and not the dry run
    assert marks.read_text().split() == ['"event"']
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName=name + "-missing", InvocationType="Event")


def test_bad_requests(lam: Any, deploy: Any, emulator: Any) -> None:
    name = deploy()
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=name, Payload=b"{not json")
    assert e.value.response["Error"]["Code"] == "InvalidRequestContentException"
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=name, ClientContext="!!!not base64")
    assert e.value.response["Error"]["Code"] == "InvalidRequestContentException"
    status, headers, _ = raw_call(
        emulator.endpoint,
        "POST",
        f"/2015-03-31/functions/{name}/invocations",
        b"{}",
        {"X-Amz-Invocation-Type": "Sometimes"},
    )
    assert (status, headers["x-amzn-ErrorType"]) == (400, "ValidationException")


def test_payload_limits(lam: Any, deploy: Any) -> None:
    name = deploy()
    sync_ok = json.dumps({"pad": "x" * (5 * 1024 * 1024)}).encode()
    response = lam.invoke(FunctionName=name, Payload=sync_ok)
    assert response["StatusCode"] == 200, "5 MB is within the 6 MB limit"
    response["Payload"].read()
    too_big = json.dumps({"pad": "x" * (6 * 1024 * 1024)}).encode()
    with pytest.raises(lam.exceptions.RequestTooLargeException) as e:
        lam.invoke(FunctionName=name, Payload=too_big)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    async_too_big = json.dumps({"pad": "x" * (1024 * 1024)}).encode()
    with pytest.raises(lam.exceptions.RequestTooLargeException):
        lam.invoke(FunctionName=name, Payload=async_too_big, InvocationType="Event")


def test_reserved_concurrency(lam: Any, deploy: Any, tmp_path: Path) -> None:
    name = deploy("limited")
    assert (
        lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions") is None
    )
    put = lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    assert put["ReservedConcurrentExecutions"] == 1
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 1
    assert lam.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 1}

    started, gate = tmp_path / "started", tmp_path / "gate"
    results: list[Any] = []
    busy = threading.Thread(
        target=lambda: results.append(
            lam.invoke(
                FunctionName=name,
                Payload=json.dumps({"started": str(started), "gate": str(gate)}).encode(),
            )
        )
    )
    busy.start()
    try:
        wait_for(started.exists)
        with pytest.raises(lam.exceptions.TooManyRequestsException) as e:
            lam.invoke(FunctionName=name)
        error = e.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    finally:
        gate.touch()
        busy.join(30)
    assert results and results[0]["StatusCode"] == 200
    assert lam.invoke(FunctionName=name)["StatusCode"] == 200, "free again"

    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    for qualifier in ({}, {"Qualifier": "$LATEST"}):
        with pytest.raises(lam.exceptions.TooManyRequestsException):
            lam.invoke(FunctionName=name, **qualifier)
    lam.delete_function_concurrency(FunctionName=name)
    assert (
        lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions") is None
    )
    assert lam.invoke(FunctionName=name)["StatusCode"] == 200
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=950)
