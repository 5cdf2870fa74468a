"""PauseDurableExecution, ResumeDurableExecution and DeleteDurableExecution through boto3
against `lamina serve`: a paused execution is not invoked when its callback completes, resume
lets it finish, an ended execution can be deleted and a running one cannot."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from emulator.harness import wait_until


def start_waiting(lam: Any, name: str, tmp_path: Path) -> tuple[str, str]:
    """An execution waiting for its callback: (ARN, callback id)."""
    callback_file = tmp_path / "callback-id"
    arn = lam.invoke(
        FunctionName=name,
        InvocationType="Event",
        Payload=json.dumps({"callback_file": str(callback_file)}).encode(),
    )["DurableExecutionArn"]
    wait_until(lambda: callback_file.exists() and callback_file.read_text() != "")
    return arn, callback_file.read_text()


def status(lam: Any, arn: str) -> str:
    return str(lam.get_durable_execution(DurableExecutionArn=arn)["Status"])


def test_pause_holds_an_execution_until_resume_then_delete(
    lam: Any, durable_function: Callable[..., str], tmp_path: Path
) -> None:
    name = durable_function("callback_workflow")
    arn, callback_id = start_waiting(lam, name, tmp_path)

    response = lam.pause_durable_execution(DurableExecutionArn=arn, Reason="maintenance")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
    wait_until(lambda: status(lam, arn) == "PAUSED")

    # The callback completes, but a paused execution is not invoked again.
    lam.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"yes")
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    assert "CallbackSucceeded" in [e["EventType"] for e in events]
    assert status(lam, arn) == "PAUSED"
    with pytest.raises(ClientError) as refused:
        lam.delete_durable_execution(DurableExecutionArn=arn)
    assert refused.value.response["Error"]["Code"] == "ResourceConflictException"

    lam.resume_durable_execution(DurableExecutionArn=arn)
    wait_until(lambda: status(lam, arn) == "SUCCEEDED")
    assert json.loads(lam.get_durable_execution(DurableExecutionArn=arn)["Result"]) == {
        "approved": "yes"
    }
    with pytest.raises(ClientError) as ended:
        lam.pause_durable_execution(DurableExecutionArn=arn)
    assert ended.value.response["Error"]["Code"] == "ResourceConflictException"

    deleted = lam.delete_durable_execution(DurableExecutionArn=arn)
    assert "DeletionRequestTimestamp" in deleted
    with pytest.raises(ClientError) as gone:
        lam.get_durable_execution(DurableExecutionArn=arn)
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
    listed = lam.list_durable_executions_by_function(FunctionName=name)["DurableExecutions"]
    assert arn not in [e["DurableExecutionArn"] for e in listed]
