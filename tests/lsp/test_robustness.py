"""A handler that crashes, hangs or floods its output never takes the server down, never
blocks other requests, and never reaches the protocol stream; cancelling a run ends its
environment; however the server ends, it ends every environment it started."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import psutil
import pytest
from lsp_harness import children_of, execute, server_pid, wait_for
from lsprotocol import types
from pygls.exceptions import JsonRpcException

HANDLERS = """\
import ctypes
import os
import sys
import time


def crash(event, context):
    if event.get("segfault"):
        ctypes.string_at(0)
    os._exit(3)


def hang(event, context):
    print("hanging", flush=True)
    time.sleep(event.get("seconds", 1000))
    return "woke up"


def flood(event, context):
    chunk = "x" * (1 << 20) + "\\n"
    for _ in range(event.get("megabytes", 100)):
        sys.stdout.write(chunk)
    sys.stdout.flush()
    return "done"
"""
TEMPLATE = """\
Resources:
  Crash:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: handlers.crash, Runtime: python3.12}
  Hang:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: handlers.hang, Runtime: python3.12, Timeout: 900}
  Flood:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: handlers.flood, Runtime: python3.12, Timeout: 60}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "handlers.py").write_text(HANDLERS)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    return tmp_path


async def run(client, **arguments):
    return await execute(client, "lamina.run", arguments)


def start_run(client, msg_id: str, **arguments) -> asyncio.Future:
    return asyncio.ensure_future(
        client.protocol.send_request_async(
            types.WORKSPACE_EXECUTE_COMMAND,
            types.ExecuteCommandParams(command="lamina.run", arguments=[arguments]),
            msg_id=msg_id,
        )
    )


async def busy_child(client) -> psutil.Process:
    """The environment running the handler (it printed "hanging")."""
    pid = server_pid(client)
    children = await wait_for(lambda: children_of(pid))
    await asyncio.sleep(0.5)  # past its init, into the handler
    return children[0]


async def gone(process: psutil.Process) -> bool:
    await wait_for(lambda: not process.is_running() or process.status() == psutil.STATUS_ZOMBIE)
    return True


@pytest.mark.parametrize("segfault", [False, True])
async def test_a_crashing_handler(segfault, project, start_client):
    client = await start_client(project)
    result = await run(client, function="Crash", eventJson={"segfault": segfault})
    assert result["ok"] is False
    assert result["error"]["errorType"] == "Runtime.ExitError"
    again = await run(client, function="Hang", eventJson={"seconds": 0})
    assert again["payload"] == "woke up"


async def test_a_hanging_handler_cancelled(project, start_client):
    client = await start_client(project)
    pending = start_run(client, "hang-1", function="Hang")
    child = await busy_child(client)
    listed = await execute(client, "lamina.listFunctions", {})  # other requests go on
    assert {row["logicalId"] for row in listed} >= {"Crash", "Hang", "Flood"}

    client.cancel_request(types.CancelParams(id="hang-1"))
    with pytest.raises(JsonRpcException) as caught:
        await asyncio.wait_for(pending, 10)
    assert caught.value.code == -32800  # RequestCancelled
    assert await gone(child)
    message = await wait_for(lambda: [m for m in client.messages if "cancelled" in m.message])
    assert "its environment was stopped" in message[0].message
    assert (await run(client, function="Hang", eventJson={"seconds": 0}))["payload"] == "woke up"


async def test_cancelling_the_progress_of_a_run(project, start_client):
    client = await start_client(project)  # VS Code: progress supported
    pending = start_run(client, "hang-2", function="Hang")
    child = await busy_child(client)
    tokens = await wait_for(lambda: list(client.progress_reports))
    begin = await wait_for(lambda: client.progress_reports[tokens[0]])
    assert begin[0].title == "Running Hang" and begin[0].cancellable is True
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=tokens[0]))
    with pytest.raises(JsonRpcException):
        await asyncio.wait_for(pending, 10)
    assert await gone(child)


async def test_100_megabytes_of_output(project, start_client):
    client = await start_client(project)
    pending = asyncio.ensure_future(run(client, function="Flood"))
    listed = await execute(client, "lamina.listFunctions", {})
    assert listed
    result = await asyncio.wait_for(pending, 60)
    assert result["ok"] is True and result["payload"] == "done"
    assert len(result["logs"]) < 2 * (1 << 20)  # the middle of the flood is dropped
    assert (await run(client, function="Hang", eventJson={"seconds": 0}))["payload"] == "woke up"


async def test_shutdown_ends_every_environment(project, start_client):
    client = await start_client(project)
    pending = start_run(client, "hang-3", function="Hang")
    child = await busy_child(client)
    await asyncio.wait_for(client.shutdown_session(), 10)
    assert await gone(child)
    assert client._server.returncode == 0
    pending.cancel()


@pytest.mark.parametrize("how", ["sigterm", "client-gone"])
async def test_the_server_ending_otherwise_ends_them_too(how, project, start_client):
    client = await start_client(project)
    start_run(client, "hang-4", function="Hang")
    child = await busy_child(client)
    server = client._server
    if how == "sigterm":
        server.send_signal(signal.SIGTERM)
    else:
        server.stdin.close()
    await asyncio.wait_for(server.wait(), 10)
    assert await gone(child)


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name
)
async def test_a_signal_ends_the_handlers_setsid_children_too(sig, tmp_path, start_client):
    import json

    from process_table import HANDLER, wait_gone

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "daemon.py").write_text(HANDLER)
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Daemon:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src/, Handler: daemon.handler, Runtime: python3.12, Timeout: 120}\n"
    )
    # Without the sandbox: the handler reports host pids into a file of the host's /tmp.
    client = await start_client(tmp_path, env={"LAMINA_SANDBOX": "0"})
    pids_file = tmp_path / "pids.json"
    start_run(client, "daemon-1", function="Daemon", eventJson={"pids": str(pids_file)})
    await wait_for(lambda: pids_file.exists() and pids_file.read_text(), timeout=60)
    await asyncio.sleep(0.1)
    pids = json.loads(pids_file.read_text())
    server = client._server
    server.send_signal(sig)
    await asyncio.wait_for(server.wait(), 10)
    left = wait_gone([pids["runtime"], pids["setsid_child"]])
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"left running after {sig.name}: {left}"
