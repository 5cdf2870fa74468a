"""SendDurableExecutionCallbackFailure and Heartbeat, through boto3 and `lamina callback fail|
heartbeat`, against `lamina serve`; and AWS's errors for a callback id that names no open
callback (botocore's model: CallbackTimeoutException when the callback has been closed or its
execution has ended, ResourceNotFoundException when it does not exist)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from emulator.harness import EmulatorProcess, wait_until

from durable.test_durable_controls import start_waiting, status
from durable.test_durable_emulator import lamina

SENDS = ("success", "failure", "heartbeat")


def send(lam: Any, kind: str, callback_id: str) -> Any:
    if kind == "success":
        return lam.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"1")
    if kind == "failure":
        return lam.send_durable_execution_callback_failure(CallbackId=callback_id)
    return lam.send_durable_execution_callback_heartbeat(CallbackId=callback_id)


def refused(lam: Any, kind: str, callback_id: str) -> tuple[int, str, str]:
    """(HTTP status, error code, message) of a send that must fail."""
    with pytest.raises(ClientError) as e:
        send(lam, kind, callback_id)
    response = e.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def events(lam: Any, arn: str) -> list[dict[str, Any]]:
    return list(lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"])


def test_heartbeat_then_failure_through_boto3(
    lam: Any, durable_function: Callable[..., str], tmp_path: Path
) -> None:
    name = durable_function("callback_workflow")
    arn, callback_id = start_waiting(lam, name, tmp_path)
    # A heartbeat keeps the callback open; the execution goes on waiting.
    assert send(lam, "heartbeat", callback_id)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert status(lam, arn) == "RUNNING"

    lam.send_durable_execution_callback_failure(
        CallbackId=callback_id, Error={"ErrorType": "Denied", "ErrorMessage": "not approved"}
    )
    wait_until(lambda: status(lam, arn) != "RUNNING", timeout=60)
    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    # The handler does not catch it: the callback's error ends the execution.
    assert execution["Status"] == "FAILED"
    assert execution["Error"]["ErrorMessage"] == "not approved"
    failed = [e for e in events(lam, arn) if e["EventType"] == "CallbackFailed"]
    assert len(failed) == 1


def test_callback_fail_and_heartbeat_through_the_cli(
    lam: Any,
    durable_function: Callable[..., str],
    tmp_path: Path,
    skip_time_emulator: EmulatorProcess,
) -> None:
    endpoint = skip_time_emulator.endpoint
    name = durable_function("callback_workflow")
    arn, callback_id = start_waiting(lam, name, tmp_path)

    beat = lamina("callback", "heartbeat", callback_id, endpoint=endpoint)
    assert beat.returncode == 0, beat.stderr
    assert status(lam, arn) == "RUNNING"

    failed = lamina(
        "callback",
        "fail",
        callback_id,
        "--error-type",
        "Denied",
        "--error-message",
        "no budget",
        endpoint=endpoint,
    )
    assert failed.returncode == 0, failed.stderr
    wait_until(lambda: status(lam, arn) != "RUNNING", timeout=60)
    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "FAILED"
    assert execution["Error"]["ErrorMessage"] == "no budget"

    # The callback is closed now: a heartbeat is AWS's error, in one line.
    late = lamina("callback", "heartbeat", callback_id, endpoint=endpoint)
    assert late.returncode != 0
    assert "CallbackTimeoutException" in late.stderr and "Traceback" not in late.stderr


def test_a_closed_callback_is_callback_timeout_exception(
    lam: Any, durable_function: Callable[..., str], tmp_path: Path
) -> None:
    name = durable_function("callback_workflow")
    arn, callback_id = start_waiting(lam, name, tmp_path)
    send(lam, "success", callback_id)
    wait_until(lambda: status(lam, arn) != "RUNNING", timeout=60)
    assert status(lam, arn) == "SUCCEEDED"
    history = events(lam, arn)

    for kind in SENDS:
        code, error, message = refused(lam, kind, callback_id)
        assert (code, error) == (400, "CallbackTimeoutException"), message
        assert "already been closed" in message
    # Nothing changed: the execution and its history are as they were.
    assert status(lam, arn) == "SUCCEEDED"
    assert events(lam, arn) == history


def test_the_callback_of_a_stopped_execution_is_closed(
    lam: Any, durable_function: Callable[..., str], tmp_path: Path
) -> None:
    name = durable_function("callback_workflow")
    arn, callback_id = start_waiting(lam, name, tmp_path)
    # Once the invocation that created the callback has returned (a stop before then ends it
    # at its next checkpoint, which adds its InvocationCompleted after the stop).
    wait_until(lambda: "InvocationCompleted" in [e["EventType"] for e in events(lam, arn)])
    lam.stop_durable_execution(DurableExecutionArn=arn)
    assert status(lam, arn) == "STOPPED"
    history = events(lam, arn)

    code, error, _ = refused(lam, "success", callback_id)
    assert (code, error) == (400, "CallbackTimeoutException")
    assert status(lam, arn) == "STOPPED" and events(lam, arn) == history


def test_an_unknown_callback_is_resource_not_found(
    lam: Any, durable_function: Callable[..., str], tmp_path: Path
) -> None:
    name = durable_function("callback_workflow")
    arn, callback_id = start_waiting(lam, name, tmp_path)
    # Not a token at all; a token of an execution that does not exist; one of this execution
    # that names an operation it does not have.
    decoded = json.loads(base64.b64decode(callback_id))
    elsewhere = dict(decoded, arn=arn.rsplit("/", 1)[0] + "/0000")
    no_such_operation = dict(decoded, op="0" * 64)
    unknown = [
        "bm90LWEtdG9rZW4",
        base64.b64encode(json.dumps(elsewhere).encode()).decode(),
        base64.b64encode(json.dumps(no_such_operation).encode()).decode(),
    ]
    for bad in unknown:
        for kind in SENDS:
            code, error, message = refused(lam, kind, bad)
            assert (code, error) == (404, "ResourceNotFoundException"), message
            assert message == f"Callback {bad} does not exist"
    # The execution still waits for its real callback, which still works.
    assert status(lam, arn) == "RUNNING"
    send(lam, "success", callback_id)
    wait_until(lambda: status(lam, arn) != "RUNNING", timeout=60)
    assert status(lam, arn) == "SUCCEEDED"
