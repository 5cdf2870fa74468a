"""DurableConfig on CreateFunction and UpdateFunctionConfiguration, returned by GetFunction and
GetFunctionConfiguration, validated as botocore's model bounds it, and read by the executions
that start after it changed (their ExecutionTimeout)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from durable.test_durable_controls import start_waiting


def timeout_of(lam: Any, arn: str) -> float:
    """The execution's timeout, as GetDurableExecution gives it: seconds from its start to its
    ExpectedExecutionTimeoutTimestamp."""
    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    started = execution["StartTimestamp"]
    return float((execution["ExpectedExecutionTimeoutTimestamp"] - started).total_seconds())


def test_durable_config_is_kept_updated_and_used(
    lam: Any, durable_function: Callable[..., str], tmp_path: Path
) -> None:
    name = durable_function("callback_workflow", ExecutionTimeout=3600, RetentionPeriodInDays=1)
    given = {"ExecutionTimeout": 3600, "RetentionPeriodInDays": 1}
    assert lam.get_function(FunctionName=name)["Configuration"]["DurableConfig"] == given
    for run in ("first", "second"):
        (tmp_path / run).mkdir()
    first, _ = start_waiting(lam, name, tmp_path / "first")
    assert timeout_of(lam, first) == pytest.approx(3600, abs=1)

    changed = {"ExecutionTimeout": 120, "RetentionPeriodInDays": 2}
    updated = lam.update_function_configuration(FunctionName=name, DurableConfig=changed)
    assert updated["DurableConfig"] == changed
    assert lam.get_function_configuration(FunctionName=name)["DurableConfig"] == changed
    second, _ = start_waiting(lam, name, tmp_path / "second")
    assert timeout_of(lam, second) == pytest.approx(120, abs=1)
    # The execution that started before keeps the timeout it started with.
    assert timeout_of(lam, first) == pytest.approx(3600, abs=1)
    for arn in (first, second):
        lam.stop_durable_execution(DurableExecutionArn=arn)


@pytest.mark.parametrize(
    ("config", "member"),
    [
        ({"ExecutionTimeout": 31622401}, "durableConfig.executionTimeout"),
        (
            {"ExecutionTimeout": 60, "RetentionPeriodInDays": 91},
            "durableConfig.retentionPeriodInDays",
        ),
    ],
)
def test_durable_config_out_of_bounds_is_refused(
    lam: Any, durable_function: Callable[..., str], config: dict[str, int], member: str
) -> None:
    with pytest.raises(ClientError) as refused:
        durable_function("wait_workflow", **config)
    error = refused.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert f"at '{member}' failed to satisfy constraint" in error["Message"]


def test_a_synchronous_invoke_answers_with_the_execution_timing_out(
    lam: Any, durable_function: Callable[..., str], tmp_path: Path
) -> None:
    """RequestResponse waits up to the ExecutionTimeout when it is under 15 minutes: the
    execution's own timeout ends it (--skip-time never skips that), and the answer is that
    outcome, not "still running"."""
    name = durable_function("callback_workflow", ExecutionTimeout=3)
    payload = {"callback_file": str(tmp_path / "callback-id")}
    response = lam.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    arn = response["DurableExecutionArn"]
    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "TIMED_OUT"
    assert error["errorMessage"] == execution["Error"]["ErrorMessage"]
    assert "timed out after 3 seconds" in error["errorMessage"], error
