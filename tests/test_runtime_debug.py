"""Debug environments with a real debugpy, driven by a small DAP client: breakpoints in the user's
own file, locals, evaluate, step, continue, exceptions, and the timeout suspended while paused."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from dap_client import DapClient

from lamina.runtime.config import RuntimeOptions
from lamina.runtime.debug import DebugSettings, attach_configuration
from lamina.runtime.environment import EnvironmentState
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

HANDLER = """\
import time
def handler(event, context):
    total = event["a"] + event["b"]
    doubled = total * 2
    if event.get("boom"):
        raise ValueError("boom " + str(total))
    return {"total": total, "doubled": doubled}
"""
BREAK_LINE = 4  # doubled = total * 2


def drive_to_breakpoint(
    port: int, path: str, function: str = "fn", pause: float = 0.0
) -> dict[str, Any]:
    """Attach, stop at the breakpoint, inspect, step, continue. Runs in a thread."""
    client = DapClient(port)
    try:
        client.attach(attach_configuration(port, function, "s1"), {path: [BREAK_LINE]})
        stopped, frames = client.stopped_frames()
        top = frames[0]
        seen = {
            "reason": stopped["reason"],
            "file": top["source"]["path"],
            "line": top["line"],
            "total": client.local(top["id"], "total"),
            "evaluated": client.request("evaluate", expression="total * 10", frameId=top["id"])[
                "result"
            ],
            "frames": [
                f["source"]["path"] for f in frames if "source" in f and "path" in f["source"]
            ],
        }
        import time

        time.sleep(pause)
        client.request("next", threadId=stopped["threadId"])
        _, frames = client.stopped_frames()
        seen["after_step_line"] = frames[0]["line"]
        client.resume(stopped["threadId"])
        return seen
    finally:
        client.close()


@pytest.mark.parametrize("runtime_client", ["lamina", "awslambdaric"])
async def test_breakpoint_in_the_users_file(runtime_client: str, write_function: Any) -> None:
    config = write_function(HANDLER)
    path = str(config.code_dir / "app.py")
    async with RuntimePool(RuntimeOptions(runtime_client=runtime_client)) as pool:
        env = await pool.start_debug(config, DebugSettings())
        assert env.debug_port and env.freeze_between_invokes is False
        driver = asyncio.create_task(asyncio.to_thread(drive_to_breakpoint, env.debug_port, path))
        result = await pool.invoke_debug(env, InvocationRequest.from_json({"a": 2, "b": 3}))
        seen = await driver
        assert env.state is EnvironmentState.DEAD
        assert pool.environments(config) == []  # never in the warm pool
    assert json.loads(result.payload) == {"total": 5, "doubled": 10}
    assert seen["reason"] == "breakpoint"
    assert (seen["file"], seen["line"]) == (path, BREAK_LINE)
    assert (seen["total"], seen["evaluated"]) == ("5", "50")
    assert seen["after_step_line"] == BREAK_LINE + 1
    assert all("lamina/runtime" not in f for f in seen["frames"]), seen["frames"]


async def test_paused_handler_outlives_its_timeout(write_function: Any) -> None:
    config = write_function(HANDLER, timeout=1.0)
    path = str(config.code_dir / "app.py")
    async with RuntimePool() as pool:
        env = await pool.start_debug(config, DebugSettings())
        assert env.debug_port
        driver = asyncio.create_task(
            asyncio.to_thread(drive_to_breakpoint, env.debug_port, path, "fn", 3.0)
        )
        result = await pool.invoke_debug(env, InvocationRequest.from_json({"a": 1, "b": 1}))
        await driver
    assert result.ok, result.payload
    assert "Timeout: suspended while a debugger was attached" in result.logs
    assert result.duration_ms > 1000


def stop_on_exception(port: int) -> list[str]:
    client = DapClient(port)
    try:
        client.attach(
            attach_configuration(port, "fn", "s2"), {}, exception_filters=("userUnhandled",)
        )
        stopped, frames = client.stopped_frames()
        assert stopped["reason"] == "exception", stopped
        client.resume(stopped["threadId"])
        return [f["source"]["path"] for f in frames if "source" in f and "path" in f["source"]]
    finally:
        client.close()


async def test_handler_exception_stops_the_debugger_in_user_code(write_function: Any) -> None:
    config = write_function(HANDLER)
    async with RuntimePool() as pool:
        env = await pool.start_debug(config, DebugSettings())
        assert env.debug_port
        driver = asyncio.create_task(asyncio.to_thread(stop_on_exception, env.debug_port))
        result = await pool.invoke_debug(
            env, InvocationRequest.from_json({"a": 1, "b": 2, "boom": True})
        )
        frames = await driver
    assert frames and frames[0] == str(config.code_dir / "app.py")
    assert all("lamina/runtime" not in f for f in frames), frames
    assert result.error is not None
    assert (result.error["errorType"], result.error["errorMessage"]) == ("ValueError", "boom 3")


async def test_two_debug_sessions_at_once(write_function: Any, tmp_path: Any) -> None:
    config = write_function(HANDLER)
    from dataclasses import replace

    other = replace(config, function_name="other")
    path = str(config.code_dir / "app.py")
    async with RuntimePool() as pool:
        envs = [await pool.start_debug(c, DebugSettings()) for c in (config, other)]
        assert envs[0].debug_port != envs[1].debug_port
        drivers = [
            asyncio.create_task(asyncio.to_thread(drive_to_breakpoint, e.debug_port, path))
            for e in envs
            if e.debug_port
        ]
        results = await asyncio.gather(
            *(
                pool.invoke_debug(e, InvocationRequest.from_json({"a": i, "b": 1}))
                for i, e in enumerate(envs)
            )
        )
        await asyncio.gather(*drivers)
    assert [json.loads(r.payload)["total"] for r in results] == [1, 2]


async def test_detaching_mid_pause_lets_the_invocation_finish(write_function: Any) -> None:
    config = write_function(HANDLER)
    path = str(config.code_dir / "app.py")

    def attach_and_leave(port: int) -> None:
        client = DapClient(port)
        client.attach(attach_configuration(port, "fn", "s3"), {path: [BREAK_LINE]})
        client.stopped_frames()
        client.request("disconnect", terminateDebuggee=False)
        client.close()

    async with RuntimePool() as pool:
        env = await pool.start_debug(config, DebugSettings())
        assert env.debug_port
        driver = asyncio.create_task(asyncio.to_thread(attach_and_leave, env.debug_port))
        result = await asyncio.wait_for(
            pool.invoke_debug(env, InvocationRequest.from_json({"a": 4, "b": 4})), 30
        )
        await driver
        assert json.loads(result.payload)["total"] == 8
        assert env.state is EnvironmentState.DEAD
        plain = await pool.invoke(config, InvocationRequest.from_json({"a": 1, "b": 1}))
    assert plain.ok and plain.cold


async def test_an_interpreter_without_debugpy_gets_laminas_copy(write_function: Any) -> None:
    import subprocess
    import sys
    from pathlib import Path

    base_python = str(
        Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    )
    probe = subprocess.run([base_python, "-c", "import debugpy"], capture_output=True, check=False)
    assert probe.returncode != 0, f"{base_python} must not have debugpy for this test"
    config = write_function(HANDLER)
    path = str(config.code_dir / "app.py")
    async with RuntimePool(RuntimeOptions(python=base_python)) as pool:
        env = await pool.start_debug(config, DebugSettings())
        assert env.debug_port
        driver = asyncio.create_task(asyncio.to_thread(drive_to_breakpoint, env.debug_port, path))
        result = await pool.invoke_debug(env, InvocationRequest.from_json({"a": 20, "b": 1}))
        seen = await driver
    assert (seen["reason"], seen["line"]) == ("breakpoint", BREAK_LINE)
    assert json.loads(result.payload)["total"] == 21


async def test_a_port_in_use_fails_at_once_and_discards_the_environment(
    write_function: Any,
) -> None:
    """debugpy binds in a thread of its own and would wait for that thread forever: the launcher
    reports why instead, the environment ends, and the pool goes on."""
    import socket

    from processes import live_launchers, wait_gone

    config = write_function(HANDLER)
    before = set(live_launchers())
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        async with RuntimePool() as pool:
            with pytest.raises(RuntimeError) as caught:
                await asyncio.wait_for(pool.start_debug(config, DebugSettings(port=port)), 60)
            assert str(caught.value) == f"port {port} is in use"
            assert pool.environments(config) == []
            plain = await pool.invoke(config, InvocationRequest.from_json({"a": 2, "b": 3}))
    assert json.loads(plain.payload)["total"] == 5
    assert not wait_gone(set(live_launchers()) - before)
