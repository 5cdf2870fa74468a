"""lamina.listFunctions and lamina.listEvents (the project model for clients with their own UI),
`--tcp`, and a lean start-up."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from lsp_harness import execute, server_env, write_echo_project
from lsprotocol import types
from pytest_lsp import client_capabilities, make_test_lsp_client


async def test_list_functions_and_events(sample, start_client):
    root = sample("http-api")
    (root / "scripts").mkdir()
    (root / "scripts" / "tool.py").write_text("def main(event, context):\n    return 1\n")
    client = await start_client(root)
    rows = await execute(client, "lamina.listFunctions", {})
    by_id = {row["logicalId"]: row for row in rows}
    items = by_id["ItemsFunction"]
    assert items["functionName"] == "items-api"
    assert items["handler"] == "items_api.handler" and items["codeUri"] == "src"
    assert items["handlerFile"]["uri"] == (root / "src" / "items_api.py").as_uri()
    assert items["sourceLocation"] == {"uri": (root / "template.yaml").as_uri(), "line": 19}
    assert (items["timeout"], items["memorySize"], items["source"]) == (10, 256, "template")
    assert "get-item" in items["events"]
    tool = by_id["tool-main"]
    assert tool["source"] == "target" and tool["handler"] == "tool.main"

    events = await execute(client, "lamina.listEvents", {"function": "ItemsFunction"})
    assert [e["name"] for e in events][:2] == ["create-item", "create-item-bad-json"]
    assert events[0]["uri"] == (root / "events" / "create-item.json").as_uri()
    assert [e["name"] for e in events if e["selected"]] == ["create-item"]


async def test_every_command_is_announced(tmp_path, start_client):
    client = await start_client(tmp_path)
    capabilities = client.initialize_result.capabilities
    commands = set(capabilities.execute_command_provider.commands)
    assert capabilities.code_lens_provider is not None
    assert capabilities.code_action_provider is not None
    assert commands >= {
        "lamina.run", "lamina.debug", "lamina.sync", "lamina.syncAll", "lamina.toggleAutoSync",
        "lamina.setTarget", "lamina.startEmulator", "lamina.stopEmulator", "lamina.createHandler",
        "lamina.listFunctions", "lamina.listEvents", "lamina.selectEvent",
        "lamina.saveRunConfiguration",
    }  # fmt: skip


async def test_over_tcp(tmp_path):
    root = write_echo_project(tmp_path / "echo")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "lamina", "lsp", "--tcp", f"127.0.0.1:{port}",
        cwd=root, env=server_env(), stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    client = make_test_lsp_client()
    try:
        for _ in range(100):
            try:
                await client.start_tcp("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        await client.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities("emacs"), root_uri=root.as_uri()
            )
        )
        result = await execute(client, "lamina.run", {"function": "EchoFunction"})
        assert result["payload"]["version"] == 1
        await client.shutdown_session()
        await asyncio.wait_for(server.wait(), 10)
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
        await client.stop()


def test_a_bad_tcp_address_is_one_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lamina", "lsp", "--tcp", "nope"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.strip() == "error: --tcp takes HOST:PORT (e.g. 127.0.0.1:2087), not 'nope'"


def test_start_up_imports_nothing_heavy() -> None:
    """boto3/botocore, the runtime, YAML, ruamel and watchdog load after initialize, if at all."""
    probe = (
        "import sys; from lamina.cli import main; from lamina.lsp.app import create_server; "
        "create_server(); "
        "heavy = ('boto3', 'botocore', 'lamina.runtime', 'yaml', 'ruamel', 'watchdog', "
        "'lamina.events', 'lamina.project.loader'); "
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _frames(data: bytes) -> list[dict]:
    """Parse a protocol stream strictly: nothing may come between the framed messages."""
    messages = []
    while data:
        header, separator, rest = data.partition(b"\r\n\r\n")
        assert separator and header.startswith(b"Content-Length: "), data[:80]
        length = int(header.split(b"\r\n")[0].split(b": ")[1])
        messages.append(json.loads(rest[:length]))
        data = rest[length:]
    return messages


def _frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _talk_raw(root: Path, probe: str, *opening: dict) -> tuple[int, list[dict], bytes]:
    """Run `probe` (a script that ends in main.serve()), send `opening` then, 1.5 s later,
    shutdown and exit; (exit code, the messages on stdout, stderr)."""
    server = subprocess.Popen(
        [sys.executable, "-c", probe], cwd=root, env=server_env(),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert server.stdin is not None
    server.stdin.write(b"".join(_frame(message) for message in opening))
    server.stdin.flush()
    time.sleep(1.5)
    server.stdin.write(_frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
    server.stdin.write(_frame({"jsonrpc": "2.0", "method": "exit"}))
    server.stdin.flush()
    stdout, stderr = server.communicate(timeout=20)
    return server.returncode, _frames(stdout), stderr


def _initialize(root: Path, **params: object) -> dict:
    return {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}, **params}}  # fmt: skip


def test_nothing_but_the_protocol_on_stdout(tmp_path) -> None:
    """A stray print in the server's process, and a write straight to fd 1, go to stderr."""
    probe = (
        "import os, threading\n"
        "from lamina.lsp import main\n"
        "def stray():\n"
        "    print('stray print', flush=True)\n"
        "    os.write(1, b'stray write\\n')\n"
        "threading.Timer(0.3, stray).start()\n"
        "main.serve()\n"
    )
    code, messages, stderr = _talk_raw(tmp_path, probe, _initialize(tmp_path))
    assert code == 0
    assert [m.get("id") for m in messages if "id" in m] == [1, 2]
    assert b"stray print" in stderr and b"stray write" in stderr, (messages, stderr)


def test_a_log_line_reaches_the_client_once(tmp_path) -> None:
    """Lamina's records go to window/logMessage once the client is connected, and to stderr
    only before that: VS Code shows both streams in one log, and each line must appear once."""
    probe = (
        "import logging\n"
        "from lamina.lsp import main\n"
        "logging.getLogger('lamina.probe').warning('before the client')\n"
        "main.serve()\n"
    )
    unknown = {"lamina": {"notASetting": 1}}
    initialized = {"jsonrpc": "2.0", "method": "initialized", "params": {}}
    _, messages, stderr = _talk_raw(
        tmp_path, probe, _initialize(tmp_path, initializationOptions=unknown), initialized
    )
    logged = [m["params"]["message"] for m in messages if m.get("method") == "window/logMessage"]
    assert "unknown settings ignored: lamina.notASetting" in logged, logged
    assert b"unknown settings ignored" not in stderr, stderr
    assert b"before the client" in stderr
