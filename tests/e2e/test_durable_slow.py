"""Durable tests that take longer than the default suite's should (each starts several
`lamina invoke` processes or two `lamina serve`s): `make e2e`.

- `lamina invoke --resume ARN` continues an execution a previous invoke left waiting.
- Ended executions are removed at start once their RetentionPeriodInDays has passed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from durable.conftest import create_durable, no_private_tmp  # noqa: F401 (autouse fixture)
from durable.test_durable_invoke import invoke, project  # noqa: F401 (project: a fixture)
from durable.test_durable_restart import status
from emulator.harness import make_client, start_emulator


def test_resume_continues_an_execution_left_waiting(project: Path, tmp_path: Path) -> None:  # noqa: F811
    ledger = tmp_path / "ledger"
    (tmp_path / "event.json").write_text(json.dumps({"x": 4, "ledger": str(ledger)}))
    left = invoke(project, "Orders", "-e", str(tmp_path / "event.json"))
    assert left.returncode == 0, left.stderr
    arn = json.loads(left.stdout)["DurableExecutionArn"]
    assert f"lamina invoke Orders --resume {arn}" in left.stderr
    assert ledger.read_text().split() == ["add"]

    # Later, from the stored state: the day's wait skipped, the step before it not run again.
    done = invoke(project, "Orders", "--resume", arn, "--skip-time")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"result": 10}
    assert ledger.read_text().split() == ["add", "double"]
    assert done.stderr.count("REPORT RequestId:") == 1  # only the replay after the wait
    history = done.stderr.split("--- history of ", 1)[1]
    assert "StepSucceeded          add  -> 5" in history and "ExecutionSucceeded" in history

    # It has ended; an unknown ARN is refused: one line each.
    again = invoke(project, "Orders", "--resume", arn)
    assert again.returncode != 0 and "has ended (SUCCEEDED)" in again.stderr
    unknown = invoke(project, "Orders", "--resume", arn.replace("Orders", "Nope"))
    assert unknown.returncode != 0 and "no durable execution" in unknown.stderr
    assert "Traceback" not in again.stderr + unknown.stderr


def test_ended_executions_are_kept_for_their_retention_period(tmp_path: Path) -> None:
    """RetentionPeriodInDays: an execution that ended longer ago than that is gone at the next
    start (the test moves its end two days back in the store, instead of waiting a day)."""
    import sqlite3

    data = tmp_path / "data"
    server = start_emulator(data, "--skip-time")
    try:
        lam = make_client(server.endpoint)
        name = create_durable(lam, "wait_workflow")  # RetentionPeriodInDays: 1
        payload = json.dumps({"x": 1, "ledger": str(tmp_path / "ledger")}).encode()
        arns = [lam.invoke(FunctionName=name, Payload=payload)["DurableExecutionArn"] for _ in "ab"]
        assert [status(lam, arn) for arn in arns] == ["SUCCEEDED", "SUCCEEDED"]
    finally:
        server.stop()
    database = data / "durable" / "durable-executions.sqlite3"
    with sqlite3.connect(database) as conn:
        moved = conn.execute(
            "UPDATE executions SET end_timestamp = end_timestamp - 2 * 86400 "
            "WHERE durable_execution_arn = ?",
            (arns[0],),
        ).rowcount
    assert moved == 1

    server = start_emulator(data, "--skip-time")
    try:
        lam = make_client(server.endpoint)
        with pytest.raises(lam.exceptions.ResourceNotFoundException):
            lam.get_durable_execution(DurableExecutionArn=arns[0])
        assert status(lam, arns[1]) == "SUCCEEDED"  # ended today: kept
    finally:
        server.stop()
