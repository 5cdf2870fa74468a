"""Bad input to a durable function on `lamina serve` and under `lamina invoke`: code changed
between invocations (a non-deterministic replay), a step result beyond AWS's 256 KB or the
6 MB a durable API request may carry. Each ends the execution with an error that names the cause, and what was checkpointed
before stays as it was."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from emulator.harness import wait_until

from durable.conftest import FUNCTIONS, durable_zip
from durable.test_durable_controls import start_waiting, status

# Over the 6 MB a checkpoint request may carry (botocore's OperationPayload: 6291456).
TOO_LARGE = 6_400_000


def history(lam: Any, arn: str) -> list[dict[str, Any]]:
    return list(lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"])


def test_a_non_deterministic_replay_fails_the_execution_naming_the_operation(
    lam: Any, durable_function: Callable[..., str], tmp_path: Path
) -> None:
    name = durable_function("callback_workflow")
    arn, callback_id = start_waiting(lam, name, tmp_path)
    wait_until(lambda: "InvocationCompleted" in [e["EventType"] for e in history(lam, arn)])
    before = history(lam, arn)
    # The code changes while the execution waits: a step now comes first.
    lam.update_function_code(FunctionName=name, ZipFile=durable_zip("callback_changed"))
    lam.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"yes")
    wait_until(lambda: status(lam, arn) != "RUNNING", timeout=120)

    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "FAILED"
    error = execution["Error"]
    assert error["ErrorType"].endswith("NonDeterministicExecutionError"), error
    # The message names the checkpointed operation and the one the code has now.
    assert "name checkpoint='approval' current='audit'" in error["ErrorMessage"]
    after = history(lam, arn)
    assert after[: len(before)] == before  # what was checkpointed is untouched
    assert after[-1]["EventType"] == "ExecutionFailed"


@pytest.mark.parametrize(
    ("size", "error"),
    [
        # AWS's limit for one step's result (payload_limits.py)
        (
            300_000,
            "InvalidParameterValueException) when calling the CheckpointDurableExecution "
            "operation: STEP output payload size must be less than or equal to 262144 bytes",
        ),
        # the emulator's for a durable API request
        (TOO_LARGE, "RequestTooLargeException) when calling the CheckpointDurableExecution"),
    ],
    ids=["over-256-KB", "over-6-MB"],
)
def test_a_step_result_over_the_limit_fails_the_execution(
    lam: Any, durable_function: Callable[..., str], size: int, error: str
) -> None:
    name = durable_function("big_step")
    lam.update_function_configuration(FunctionName=name, MemorySize=512)
    response = lam.invoke(FunctionName=name, Payload=json.dumps({"size": size}).encode())
    assert response["FunctionError"] == "Unhandled"
    answer = json.loads(response["Payload"].read())
    assert error in answer["errorMessage"], answer

    arn = response["DurableExecutionArn"]
    assert status(lam, arn) == "FAILED"
    events = history(lam, arn)
    kinds = [e["EventType"] for e in events]
    # The step before it succeeded and stays so; the big one never did.
    succeeded = [e["Name"] for e in events if e["EventType"] == "StepSucceeded"]
    assert succeeded == ["first"] and kinds[-1] == "ExecutionFailed"


def test_the_limit_counts_bytes_and_applies_to_steps_and_child_contexts() -> None:
    from aws_durable_execution_sdk_python.lambda_service import (
        OperationAction,
        OperationType,
        OperationUpdate,
    )
    from aws_durable_execution_sdk_python_testing.exceptions import (
        InvalidParameterValueException,
    )

    from lamina.durable.payload_limits import OUTPUT_LIMIT_BYTES, check_output_sizes

    def update(kind: OperationType, payload: str) -> OperationUpdate:
        return OperationUpdate("1", kind, OperationAction.SUCCEED, payload=payload)

    at_limit = "x" * OUTPUT_LIMIT_BYTES
    check_output_sizes([update(OperationType.STEP, at_limit)])
    # Fewer characters than the limit, more bytes (two per character in UTF-8).
    wide = "\u00e9" * (OUTPUT_LIMIT_BYTES // 2 + 1)
    for kind, payload in ((OperationType.STEP, at_limit + "x"), (OperationType.CONTEXT, wide)):
        with pytest.raises(InvalidParameterValueException) as refused:
            check_output_sizes([update(OperationType.STEP, "ok"), update(kind, payload)])
        assert str(refused.value) == (
            f"{kind.value} output payload size must be less than or equal to 262144 bytes"
        )
    # The execution's own result is not a step's: its limit is the response's.
    check_output_sizes([update(OperationType.EXECUTION, at_limit * 2)])


TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Big:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: big/
      Runtime: python3.12
      Handler: app.handler
      Timeout: 60
      MemorySize: 512
      DurableConfig:
        ExecutionTimeout: 600
"""


def test_lamina_invoke_refuses_the_same_step_result(tmp_path: Path) -> None:
    """`lamina invoke`'s checkpoint API has `lamina serve`'s limit (durable/local_api.py)."""
    shutil.copytree(FUNCTIONS / "big_step", tmp_path / "big")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "event.json").write_text(json.dumps({"size": TOO_LARGE}))
    done = subprocess.run(
        [sys.executable, "-m", "lamina", "invoke", "Big", "-e", "event.json", "--skip-time"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr
    error = json.loads(done.stdout)
    assert "RequestTooLargeException" in error["errorMessage"], error
    history_text = done.stderr.split("--- history of ", 1)[1]
    assert "StepSucceeded          first" in history_text
    assert "StepSucceeded          big" not in history_text
    assert "ExecutionFailed" in history_text
