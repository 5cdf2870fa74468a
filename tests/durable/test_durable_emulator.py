"""Durable functions on `lamina serve`: an Invoke starts an execution that checkpoints through
the emulator (the SDK's AWS_ENDPOINT_URL_LAMBDA), suspends on waits and callbacks, and is
invoked again until it completes; the execution API answers as botocore models it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from emulator.harness import EmulatorProcess, wait_until


def test_wait_workflow_runs_to_completion_with_skip_time(
    lam: Any, durable_function: Callable[..., str], tmp_path: Path
) -> None:
    name = durable_function("wait_workflow")
    ledger = tmp_path / "ledger"
    response = lam.invoke(
        FunctionName=name, Payload=json.dumps({"x": 20, "ledger": str(ledger)}).encode()
    )
    assert "FunctionError" not in response, response["Payload"].read()
    assert json.loads(response["Payload"].read()) == {"result": 42}
    arn = response["DurableExecutionArn"]
    assert f":function:{name}:$LATEST/durable-execution/" in arn
    # Each step ran once, though the handler was invoked again after the wait.
    assert ledger.read_text().split() == ["add", "double"]

    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "SUCCEEDED"
    assert json.loads(execution["Result"]) == {"result": 42}

    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    kinds = [e["EventType"] for e in events]
    assert kinds[0] == "ExecutionStarted" and kinds[-1] == "ExecutionSucceeded"
    assert "WaitStarted" in kinds and "WaitSucceeded" in kinds
    assert kinds.count("StepSucceeded") == 2
    assert [e["EventId"] for e in events] == list(range(1, len(events) + 1))
    wait = next(e for e in events if e["EventType"] == "WaitStarted")
    assert wait["WaitStartedDetails"]["Duration"] == 86400  # kept as written


def test_callback_completed_through_boto3(
    lam: Any, durable_function: Callable[..., str], tmp_path: Path
) -> None:
    name = durable_function("callback_workflow")
    callback_file = tmp_path / "callback-id"
    response = lam.invoke(
        FunctionName=name,
        InvocationType="Event",
        Payload=json.dumps({"callback_file": str(callback_file)}).encode(),
    )
    assert response["StatusCode"] == 202
    arn = response["DurableExecutionArn"]
    wait_until(callback_file.exists)
    wait_until(lambda: callback_file.read_text() != "")
    callback_id = callback_file.read_text()
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"

    lam.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"yes")
    wait_until(lambda: lam.get_durable_execution(DurableExecutionArn=arn)["Status"] != "RUNNING")
    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "SUCCEEDED"
    # The SDK hands the callback's result to the handler as the text it was sent.
    assert json.loads(execution["Result"]) == {"approved": "yes"}


def lamina(*args: str, endpoint: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lamina", *args, "--endpoint-url", endpoint],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_callback_and_executions_through_the_cli(
    lam: Any,
    durable_function: Callable[..., str],
    tmp_path: Path,
    skip_time_emulator: EmulatorProcess,
) -> None:
    endpoint = skip_time_emulator.endpoint
    name = durable_function("callback_workflow")
    callback_file = tmp_path / "callback-id"
    arn = lam.invoke(
        FunctionName=name,
        InvocationType="Event",
        Payload=json.dumps({"callback_file": str(callback_file)}).encode(),
    )["DurableExecutionArn"]
    wait_until(lambda: callback_file.exists() and callback_file.read_text() != "")
    callback_id = callback_file.read_text()

    listed = lamina("executions", "list", name, "--status", "RUNNING", endpoint=endpoint)
    assert listed.returncode == 0, listed.stderr
    assert arn in listed.stdout and "RUNNING" in listed.stdout

    done = lamina("callback", "succeed", callback_id, "--result", "ok", endpoint=endpoint)
    assert done.returncode == 0, done.stderr
    wait_until(lambda: lam.get_durable_execution(DurableExecutionArn=arn)["Status"] != "RUNNING")
    got = lamina("executions", "get", arn, endpoint=endpoint)
    assert json.loads(got.stdout)["Status"] == "SUCCEEDED"
    history = lamina("executions", "history", arn, endpoint=endpoint)
    assert "CallbackStarted" in history.stdout and "approval" in history.stdout
    assert "ExecutionSucceeded" in history.stdout

    # The callback is complete: completing it again is AWS's error, in one line.
    again = lamina("callback", "succeed", callback_id, endpoint=endpoint)
    assert again.returncode != 0
    assert again.stderr.startswith("error: send_durable_execution_callback_success: ")
    assert "Traceback" not in again.stderr
    unknown = lamina("executions", "get", arn.replace(name, name + "x"), endpoint=endpoint)
    assert unknown.returncode != 0 and "ResourceNotFoundException" in unknown.stderr


def test_stop_a_waiting_execution(
    lam: Any,
    durable_function: Callable[..., str],
    tmp_path: Path,
    skip_time_emulator: EmulatorProcess,
) -> None:
    name = durable_function("callback_workflow")
    callback_file = tmp_path / "callback-id"
    arn = lam.invoke(
        FunctionName=name,
        InvocationType="Event",
        Payload=json.dumps({"callback_file": str(callback_file)}).encode(),
    )["DurableExecutionArn"]
    wait_until(lambda: callback_file.exists() and callback_file.read_text() != "")
    stopped = lamina("executions", "stop", arn, endpoint=skip_time_emulator.endpoint)
    assert stopped.returncode == 0, stopped.stderr
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "STOPPED"
    kinds = [
        e["EventType"] for e in lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    ]
    assert kinds[-1] == "ExecutionStopped"


def test_execution_name_is_an_idempotency_key(
    lam: Any, durable_function: Callable[..., str], tmp_path: Path
) -> None:
    name = durable_function("wait_workflow")
    payload = json.dumps({"x": 1, "ledger": str(tmp_path / "ledger")}).encode()

    def invoke(body: bytes) -> Any:
        return lam.invoke(FunctionName=name, Payload=body, DurableExecutionName="order-1")

    first = invoke(payload)
    assert json.loads(first["Payload"].read()) == {"result": 4}
    again = invoke(payload)  # a retried request: the same execution, not a second one
    assert again["DurableExecutionArn"] == first["DurableExecutionArn"]
    assert json.loads(again["Payload"].read()) == {"result": 4}
    assert (tmp_path / "ledger").read_text().split() == ["add", "double"]
    with pytest.raises(lam.exceptions.DurableExecutionAlreadyStartedException):
        invoke(json.dumps({"x": 2, "ledger": str(tmp_path / "ledger")}).encode())


def test_a_running_handlers_wait_is_not_skipped_by_another_executions_skip(
    lam: Any, durable_function: Callable[..., str], tmp_path: Path
) -> None:
    """--skip-time skips an execution's time only while no handler of it runs, and another
    execution's skip meanwhile must not make its pending wait due (a CI run's requirement 1-9
    got WaitSucceeded before the InvocationCompleted of the invocation that started the wait).
    Here the other execution skips a whole day while this handler runs with a 600 s wait
    pending; the wait must still only end once the handler's invocation has."""
    busy, sleeper = durable_function("busy_branch"), durable_function("wait_workflow")
    first, second = tmp_path / "first", tmp_path / "second"
    event = {"wait_seconds": 600, "first": str(first), "second": str(second)}
    arn = lam.invoke(FunctionName=busy, InvocationType="Event", Payload=json.dumps(event))[
        "DurableExecutionArn"
    ]

    def kinds() -> list[tuple[str, str]]:
        events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
        return [(e["EventType"], e.get("Name", "")) for e in events]

    wait_until(lambda: ("WaitStarted", "pause") in kinds())
    skipped = lam.invoke(
        FunctionName=sleeper, Payload=json.dumps({"x": 1, "ledger": str(tmp_path / "ledger")})
    )
    assert json.loads(skipped["Payload"].read()) == {"result": 4}  # its day-long wait skipped
    first.touch()  # the handler checkpoints "first" after the other's skip: the wait re-armed
    wait_until(lambda: ("StepSucceeded", "first") in kinds())
    assert ("WaitSucceeded", "pause") not in kinds()
    second.touch()
    wait_until(lambda: lam.get_durable_execution(DurableExecutionArn=arn)["Status"] != "RUNNING")
    history = kinds()
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED", history
    ended = history.index(("InvocationCompleted", ""))
    assert (
        history.index(("StepSucceeded", "second"))
        < ended
        < history.index(("WaitSucceeded", "pause"))
    ), history
