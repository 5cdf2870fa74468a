"""lamina.debug on a durable function through the language server, with a real debugpy driven
by a small DAP client: one attach serves the whole execution, so a breakpoint in the step after
a one-day wait (skipped) is hit in the replay without attaching again. In `make e2e`: a debug
session with two invocations takes longer than the default suite's tests should."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from dap_client import DapClient
from durable.conftest import start_client  # noqa: F401 (the fixture the client fixture uses)
from durable.test_durable_lsp import client  # noqa: F401, F811 (the fixture: lamina lsp, skipTime on)
from lsp.lsp_harness import execute, wait_for


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def drive_two_stops(config: dict[str, Any], source: Path, lines: list[int]) -> list[dict[str, Any]]:
    """One attach for the whole execution: stop in the first invocation, continue, stop again
    in the replay after the wait; read a local at each stop."""
    debugger = DapClient(config["connect"]["port"], timeout=120)
    stops = []
    try:
        debugger.attach(config, {str(source): lines})
        for _ in lines:
            stopped, frames = debugger.stopped_frames()
            top = frames[0]
            value = debugger.request("evaluate", expression="event['x']", frameId=top["id"])
            stops.append({"line": top["line"], "x": value["result"], "ledger": None})
            stops[-1]["ledger"] = Path(
                debugger.request("evaluate", expression="event['ledger']", frameId=top["id"])[
                    "result"
                ].strip("'")
            ).read_text()
            debugger.resume(stopped["threadId"])
    finally:
        debugger.close()
    return stops


async def test_debug_keeps_one_session_across_replays(client: Any, tmp_path: Path) -> None:  # noqa: F811
    ledger = tmp_path / "ledger"
    ledger.write_text("")
    source = client.root / "orders" / "app.py"
    first = line_of(source, 'record(event["ledger"], "add")')
    after_wait = line_of(source, 'record(event["ledger"], "double")')
    config = await asyncio.wait_for(
        execute(
            client,
            "lamina.debug",
            {"function": "Orders", "eventJson": {"x": 20, "ledger": str(ledger)}},
        ),
        240,
    )
    assert (config["type"], config["request"]) == ("debugpy", "attach")
    stops = await asyncio.to_thread(drive_two_stops, config, source, [first, after_wait])
    assert [s["line"] for s in stops] == [first, after_wait]
    assert [s["x"] for s in stops] == ["20", "20"]
    # The second stop is in the replay: the first step had run (and is not run again).
    assert stops[0]["ledger"] == "" and stops[1]["ledger"] == "add\n"
    ended = await wait_for(lambda: client.durable_executions, 60)
    assert ended[0].status == "SUCCEEDED"
    assert ledger.read_text().split() == ["add", "double"]
    assert len([r for r in client.invocation_results if r.function == "Orders"]) == 2
