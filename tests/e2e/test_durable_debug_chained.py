"""lamina.debug on a durable function that invokes another (`context.invoke`): each invocation
of the target runs under a debugpy of its own, announced as `lamina/debugReady`, so a real DAP
client (tests/dap_client.py) that attaches on each notification, as Lamina's VS Code extension
does, stops at a breakpoint in the target, once per invocation. In `make e2e`: three debug
sessions in one execution take longer than the default suite's tests should."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from dap_client import DapClient
from durable.conftest import NO_SANDBOX, editor_settings, start_client  # noqa: F401 (fixture)
from durable.test_durable_lsp_chained import chained_project
from lsp.lsp_harness import StartClient, execute, plain, wait_for


def stop_once(config: dict[str, Any], source: Path, line: int) -> tuple[int, str]:
    """Attach to a target's debugpy, stop at `line`, read the event's n, go on."""
    debugger = DapClient(config["connect"]["port"], timeout=120)
    try:
        debugger.attach(config, {str(source): [line]})
        stopped, frames = debugger.stopped_frames()
        n = debugger.request("evaluate", expression="event['n']", frameId=frames[0]["id"])
        debugger.resume(stopped["threadId"])
        return frames[0]["line"], n["result"]
    finally:
        debugger.close()


async def test_a_targets_breakpoint_is_hit_in_each_of_its_invocations(
    tmp_path: Path,
    start_client: StartClient,  # noqa: F811
) -> None:
    root = chained_project(tmp_path / "project")
    client = await start_client(
        root, configuration=editor_settings(), apply_edits=False, env=NO_SANDBOX
    )
    source = root / "plain" / "app.py"
    line = next(n for n, text in enumerate(source.read_text().splitlines(), 1) if "return" in text)
    event = {"target": "plain-target", "missing": "no-such-function"}
    config = await asyncio.wait_for(
        execute(client, "lamina.debug", {"function": "Chain", "eventJson": event}), 240
    )
    parent = DapClient(config["connect"]["port"], timeout=120)  # the execution's own debugpy
    stops = []
    try:
        await asyncio.to_thread(parent.attach, config, {})
        for k in (1, 2):  # debug_ready[0] is the execution's own
            ready = await wait_for(lambda k=k: client.debug_ready[k:], 120)
            target = plain(ready[0])
            assert target["lamina"]["function"] == "Plain"
            stops.append(await asyncio.to_thread(stop_once, target, source, line))
        ended = await wait_for(lambda: client.durable_executions, 240)
    finally:
        parent.close()
    assert stops == [(line, "1"), (line, "11")]  # n: 1, then the first answer (10) + 1
    assert ended[0].status == "SUCCEEDED", ended
    plain_runs = [r for r in client.invocation_results if r.function == "Plain"]
    assert [r.ok for r in plain_runs] == [True, True]
    assert not [m.message for m in client.messages if "outside the debugger" in m.message]
