"""Durable state outlives `lamina serve`: killed with SIGKILL during a wait, the execution is
resumed by the next start, and no step that succeeded runs again."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from emulator.harness import make_client, start_emulator, wait_until

from durable.conftest import create_durable


def history_kinds(lam: Any, arn: str) -> list[str]:
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    return [e["EventType"] for e in events]


def status(lam: Any, arn: str) -> str:
    return str(lam.get_durable_execution(DurableExecutionArn=arn)["Status"])


@pytest.mark.parametrize("restart_with_skip_time", [True, False], ids=["skip-time", "real"])
def test_wait_survives_sigkill(tmp_path: Path, restart_with_skip_time: bool) -> None:
    """A wait in progress when Lamina dies: with --skip-time on the next start it ends at once
    (the one-day wait); with real time, a wait that expired while Lamina was down ends at start."""
    data = tmp_path / "data"
    server = start_emulator(data)
    try:
        lam = make_client(server.endpoint)
        name = create_durable(lam, "wait_workflow")
        ledger = tmp_path / "ledger"
        wait_s = 86400 if restart_with_skip_time else 2
        payload = {"x": 1, "ledger": str(ledger), "wait_seconds": wait_s}
        arn = lam.invoke(
            FunctionName=name, InvocationType="Event", Payload=json.dumps(payload).encode()
        )["DurableExecutionArn"]
        wait_until(lambda: "WaitStarted" in history_kinds(lam, arn))
    finally:
        server.kill()
    assert ledger.read_text().split() == ["add"]
    if not restart_with_skip_time:
        time.sleep(wait_s)  # down for longer than the wait: the next start finds it expired

    extra = ("--skip-time",) if restart_with_skip_time else ()
    server = start_emulator(data, *extra)
    try:
        lam = make_client(server.endpoint)
        wait_until(lambda: status(lam, arn) != "RUNNING", timeout=60)
        execution = lam.get_durable_execution(DurableExecutionArn=arn)
        assert execution["Status"] == "SUCCEEDED", execution
        assert json.loads(execution["Result"]) == {"result": 4}
        assert ledger.read_text().split() == ["add", "double"]  # "add" did not run again
        kinds = history_kinds(lam, arn)
        assert kinds.count("StepSucceeded") == 2 and kinds[-1] == "ExecutionSucceeded"
    finally:
        server.stop()
