"""lamina.debug through the language server, with a real debugpy driven by a small DAP client:
the attach configuration (answer and lamina/debugReady), a breakpoint in the user's own file,
locals, evaluate, step, continue, the result notification; two sessions at once; a paused
handler outliving its timeout; a handler exception; detaching mid-pause."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from dap_client import DapClient
from lsp_harness import ECHO_TEMPLATE, execute, plain, wait_for, write_echo_project

ITEMS_BREAK_LINE = 169  # samples/http-api/src/items_api.py: logger.info("%s %s", method, path)
ECHO_BREAK_LINE = 8  # lsp_harness.ECHO_HANDLER: print("echo got", event)
OTHER_HANDLER = """\
def handler(event, context):
    doubled = event["n"] * 2
    return {"doubled": doubled}
"""


def drive(
    config: dict[str, Any], path: Path, line: int, local: str, expression: str, pause: float = 0
) -> dict[str, Any]:
    """Attach, stop at the breakpoint, read a local, evaluate, step over, continue (a thread)."""
    client = DapClient(config["connect"]["port"])
    try:
        client.attach(config, {str(path): [line]})
        stopped, frames = client.stopped_frames()
        top = frames[0]
        seen = {
            "reason": stopped["reason"],
            "file": top["source"]["path"],
            "line": top["line"],
            "local": client.local(top["id"], local),
            "evaluated": client.request("evaluate", expression=expression, frameId=top["id"])[
                "result"
            ],
            "frames": [f["source"]["path"] for f in frames if "path" in f.get("source", {})],
        }
        import time

        time.sleep(pause)
        client.request("next", threadId=stopped["threadId"])
        _, frames = client.stopped_frames()
        seen["after_step"] = frames[0]["line"]
        client.resume(stopped["threadId"])
        return seen
    finally:
        client.close()


async def debug(client: Any, **arguments: Any) -> dict[str, Any]:
    config: dict[str, Any] = await execute(client, "lamina.debug", arguments)
    return config


async def result_for(client: Any, session_id: str) -> Any:
    return await wait_for(
        lambda: next((r for r in client.invocation_results if r.id == session_id), None), 60
    )


async def test_breakpoint_in_the_users_file(sample, start_client):
    root = sample("http-api")
    source = root / "src" / "items_api.py"
    client = await start_client(root)
    config = await debug(client, function="ItemsFunction", event="get-item")

    assert (config["type"], config["request"]) == ("debugpy", "attach")
    assert config["connect"]["host"] == "127.0.0.1" and config["connect"]["port"] > 0
    assert config["justMyCode"] is True and config["redirectOutput"] is True
    assert any(
        "lamina" in r["path"] and "runtime" in r["path"] and r["include"] is False
        for r in config["rules"]
    )
    assert config["lamina"]["function"] == "ItemsFunction" and config["lamina"]["sessionId"]
    ready = await wait_for(lambda: client.debug_ready)
    assert plain(ready[0]) == config

    seen = await asyncio.to_thread(drive, config, source, ITEMS_BREAK_LINE, "method", "path")
    assert seen["reason"] == "breakpoint"
    assert (seen["file"], seen["line"]) == (str(source), ITEMS_BREAK_LINE)
    assert (seen["local"], seen["evaluated"]) == ("'GET'", "'/items/2'")
    assert seen["after_step"] == ITEMS_BREAK_LINE + 1
    assert all("lamina/runtime" not in f for f in seen["frames"]), seen["frames"]

    result = await result_for(client, config["lamina"]["sessionId"])
    assert result.ok is True and result.function == "ItemsFunction"
    assert result.payload.statusCode == 200 and "Desk lamp" in result.payload.body
    assert "REPORT" in result.logs


async def test_two_sessions_at_once(sample, start_client):
    root = sample("http-api")
    other = root / "src" / "other.py"
    other.write_text(OTHER_HANDLER)
    client = await start_client(root)
    first = await debug(client, function="ItemsFunction", event="get-item")
    second = await debug(client, function="src/other.py:handler", eventJson={"n": 21})
    assert first["connect"]["port"] != second["connect"]["port"]
    items = root / "src" / "items_api.py"
    seen = await asyncio.gather(
        asyncio.to_thread(drive, first, items, ITEMS_BREAK_LINE, "method", "path"),
        asyncio.to_thread(drive, second, other, 2, "event", "event['n'] + 1"),
    )
    assert [s["reason"] for s in seen] == ["breakpoint", "breakpoint"]
    assert (seen[1]["file"], seen[1]["local"], seen[1]["evaluated"]) == (
        str(other),
        "{'n': 21}",
        "22",
    )
    results = [await result_for(client, c["lamina"]["sessionId"]) for c in (first, second)]
    assert results[0].payload.statusCode == 200
    assert results[1].payload.doubled == 42


@pytest.fixture
def echo(tmp_path: Path) -> Path:
    root = write_echo_project(tmp_path / "echo")
    (root / "template.yaml").write_text(ECHO_TEMPLATE.replace("Timeout: 30", "Timeout: 1"))
    return root


async def test_a_paused_handler_outlives_its_timeout(echo, start_client):
    client = await start_client(echo)
    config = await debug(client, function="EchoFunction", eventJson={"name": "slow"})
    source = echo / "src" / "app.py"
    await asyncio.to_thread(drive, config, source, ECHO_BREAK_LINE, "event", "1 + 1", 3.0)
    result = await result_for(client, config["lamina"]["sessionId"])
    assert result.ok is True, result
    assert result.payload.event.name == "slow"
    assert result.durationMs > 1000
    assert "suspended while a debugger was attached" in result.logs


def stop_on_exception(config: dict[str, Any]) -> list[str]:
    client = DapClient(config["connect"]["port"])
    try:
        client.attach(config, {}, exception_filters=("userUnhandled",))
        stopped, frames = client.stopped_frames()
        assert stopped["reason"] == "exception", stopped
        client.resume(stopped["threadId"])
        return [f["source"]["path"] for f in frames if "path" in f.get("source", {})]
    finally:
        client.close()


async def test_a_handler_exception_stops_the_debugger(echo, start_client):
    client = await start_client(echo)
    config = await debug(client, function="EchoFunction", eventJson={"fail": True})
    frames = await asyncio.to_thread(stop_on_exception, config)
    assert frames and frames[0] == str(echo / "src" / "app.py")
    assert all("lamina/runtime" not in f for f in frames), frames
    result = await result_for(client, config["lamina"]["sessionId"])
    assert result.ok is False
    assert (result.error.errorType, result.error.errorMessage) == ("ValueError", "asked to fail")
    assert result.error.stackTrace
    assert result.error.location.uri == (echo / "src" / "app.py").resolve().as_uri()


def attach_and_leave(config: dict[str, Any], path: Path) -> None:
    client = DapClient(config["connect"]["port"])
    try:
        client.attach(config, {str(path): [ECHO_BREAK_LINE]})
        client.stopped_frames()
        client.request("disconnect", terminateDebuggee=False)
    finally:
        client.close()


async def test_detaching_mid_pause_then_run(echo, start_client):
    client = await start_client(echo)
    config = await debug(client, function="EchoFunction", eventJson={"name": "left"})
    await asyncio.to_thread(attach_and_leave, config, echo / "src" / "app.py")
    result = await result_for(client, config["lamina"]["sessionId"])
    assert result.ok is True and result.payload.event.name == "left"
    run = await execute(client, "lamina.run", {"function": "EchoFunction", "event": "hello"})
    assert run["ok"] is True and run["payload"]["event"] == {"name": "hello"}


async def test_unknown_function_is_one_clear_error(echo, start_client):
    from pygls.exceptions import JsonRpcException

    client = await start_client(echo)
    with pytest.raises(JsonRpcException) as caught:
        await debug(client, function="Nope")
    assert "Nope" in caught.value.message


async def test_a_debug_port_in_use_is_one_clear_error(echo, start_client):
    import socket

    from pygls.exceptions import JsonRpcException

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        client = await start_client(echo, configuration={"debug": {"port": port}})
        with pytest.raises(JsonRpcException) as caught:
            await debug(client, function="EchoFunction", eventJson={"name": "held"})
    assert f"port {port} is in use" in caught.value.message, caught.value.message
    run = await execute(client, "lamina.run", {"function": "EchoFunction", "event": "hello"})
    assert run["ok"] is True and run["payload"]["event"] == {"name": "hello"}
