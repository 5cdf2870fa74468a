"""Executions the editor started go on after the language server restarts (`python -m lamina
lsp` over stdio, twice on one workspace): one waiting on a one-hour timer completes once the
second server skips time, without running its first step again; one waiting for a callback is
listed again and completes when the callback is sent to the second server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from lsp.lsp_harness import client_starter, execute, wait_for
from pytest_lsp import LanguageClient

from durable.conftest import NO_SANDBOX, editor_settings
from durable.test_durable_lsp import durable_project


@contextlib.asynccontextmanager
async def editor(root: Path, *, skip_time: bool) -> AsyncIterator[LanguageClient]:
    """A language server on `root`, shut down when the block ends."""
    async with client_starter() as start:
        settings = editor_settings(skip_time=skip_time)
        yield await start(root, configuration=settings, apply_edits=False, env=NO_SANDBOX)


async def test_executions_go_on_after_a_restart(tmp_path: Path) -> None:
    root = durable_project(tmp_path / "project")
    ledger = tmp_path / "ledger"
    callback_file = tmp_path / "callback-id"
    orders_event = {"x": 20, "ledger": str(ledger), "wait_seconds": 3600}
    async with editor(root, skip_time=False) as first:
        sleeping = await asyncio.wait_for(
            execute(first, "lamina.run", {"function": "Orders", "eventJson": orders_event}), 240
        )
        assert sleeping["status"] == "RUNNING" and sleeping["wakesAt"], sleeping
    assert ledger.read_text().split() == ["add"]

    async with editor(root, skip_time=True) as second:
        # The one-hour wait ends at once; the step before it does not run again.
        ended = await wait_for(
            lambda: [
                e
                for e in second.durable_executions
                if e.executionArn == sleeping["executionArn"] and e.status != "RUNNING"
            ],
            120,
        )
        assert ended[-1].status == "SUCCEEDED", second.durable_executions
        assert ledger.read_text().split() == ["add", "double"]

    # A callback, in editors that don't skip time: under --skip-time an execution that only
    # waits for a callback skips to its own ExecutionTimeout, as dex-local-runner's does.
    async with editor(root, skip_time=False) as third:
        waiting = await asyncio.wait_for(
            execute(
                third,
                "lamina.run",
                {"function": "Approvals", "eventJson": {"callback_file": str(callback_file)}},
            ),
            240,
        )
        assert waiting["status"] == "RUNNING", waiting
        [pending] = waiting["pendingCallbacks"]

    async with editor(root, skip_time=False) as fourth:

        def approvals() -> list[dict[str, Any]]:
            return [e for e in listed if e["function"] == "Approvals" and e["pendingCallbacks"]]

        listed: list[dict[str, Any]] = []
        for _ in range(200):
            listed = await execute(fourth, "lamina.durableExecutions", {})
            if approvals():
                break
            await asyncio.sleep(0.2)
        [resumed] = approvals()
        assert resumed["executionArn"] == waiting["executionArn"]
        assert resumed["status"] == "RUNNING"
        assert [c["callbackId"] for c in resumed["pendingCallbacks"]] == [pending["callbackId"]]

        sent = await execute(
            fourth, "lamina.sendCallback", {"function": "Approvals", "result": "yes"}
        )
        assert sent["executionArn"] == waiting["executionArn"]
        done = await wait_for(
            lambda: [
                e
                for e in fourth.durable_executions
                if e.executionArn == waiting["executionArn"] and e.status != "RUNNING"
            ],
            120,
        )
        assert done[-1].status == "SUCCEEDED"
        assert done[-1].result.approved == "yes"
