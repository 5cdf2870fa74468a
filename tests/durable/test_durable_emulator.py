"""Durable functions on `lamina serve`: an Invoke starts an execution that checkpoints through
the emulator (the SDK's AWS_ENDPOINT_URL_LAMBDA), suspends on waits and callbacks, and is
invoked again until it completes; the execution API answers as botocore models it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from emulator.harness import wait_until


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
