"""A client that breaks the protocol: malformed JSON gets -32700, a message that isn't JSON-RPC
gets -32600, and the server goes on answering; a header it cannot resynchronise after ends it
with one line on stderr, never alive and deaf; the end of stdin ends it at once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_harness import server_env


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def message(payload: dict) -> bytes:
    return frame(json.dumps(payload).encode())


def parse(stream: bytes) -> list[dict]:
    found = []
    while stream:
        header, _, rest = stream.partition(b"\r\n\r\n")
        length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        found.append(json.loads(rest[:length]))
        stream = rest[length:]
    return found


def talk(root: Path, data: bytes, *args: str) -> tuple[int, list[dict], str]:
    """Send `data` to `lamina lsp`, close stdin; (exit code, messages, stderr)."""
    out = subprocess.run(
        [sys.executable, "-m", "lamina", "lsp", *args],
        cwd=root, env=server_env(), input=data, capture_output=True, timeout=60,
    )  # fmt: skip
    return out.returncode, parse(out.stdout), out.stderr.decode()


def initialize(root: Path, msg_id: int = 1) -> bytes:
    params = {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}
    return message({"jsonrpc": "2.0", "id": msg_id, "method": "initialize", "params": params})


def test_malformed_messages_get_json_rpc_errors_and_the_session_goes_on(tmp_path: Path) -> None:
    data = (
        frame(b"{this is not json")
        + frame(b"\xff\xfe")
        + message({"hello": "world"})
        + frame(b"[1, 2, 3]")
        + message({"jsonrpc": "2.0", "id": 7, "method": 42})
        + message({"jsonrpc": "1.0", "id": 8, "method": "initialize"})
        + initialize(tmp_path, 9)
        + message({"jsonrpc": "2.0", "id": 10, "method": "lamina/noSuchMethod"})
    )
    code, messages, stderr = talk(tmp_path, data)
    errors = [(m.get("id"), m["error"]["code"]) for m in messages if "error" in m]
    assert errors == [
        (None, -32700),
        (None, -32700),
        (None, -32600),
        (None, -32600),
        (7, -32600),
        (8, -32600),
        (10, -32601),
    ], messages
    assert [m["id"] for m in messages if "result" in m] == [9], messages
    assert [m["error"]["code"] for m in messages if m.get("id") == 10] == [-32601]
    assert code == 1 and "Traceback" not in stderr, stderr  # stdin ended without shutdown


@pytest.mark.parametrize(
    ("header", "said"),
    [
        (b"Content-Length: abc\r\n\r\n{}", "Content-Length is not a number"),
        (b"Content-Type: application/json\r\n\r\n{}", "no Content-Length header"),
        (b"Content-Length 12\r\n\r\n{}", "is not 'Name: value'"),
        (b"X-Junk: " + b"a" * 9000 + b"\r\n\r\n", "longer than 8 KB"),
    ],
)
def test_a_bad_header_ends_the_server_with_one_line(
    tmp_path: Path, header: bytes, said: str
) -> None:
    # What follows the bad header would be misread: the server must not stay on, deaf.
    code, messages, stderr = talk(tmp_path, initialize(tmp_path) + header + initialize(tmp_path, 2))
    assert [m["id"] for m in messages if "result" in m] == [1]
    assert code == 1
    lines = [line for line in stderr.splitlines() if line.startswith("lamina lsp:")]
    assert len(lines) == 1 and said in lines[0], stderr
    assert "Traceback" not in stderr


def test_the_end_of_stdin_ends_the_server(tmp_path: Path) -> None:
    # No shutdown: LSP's exit code 1.
    code, messages, stderr = talk(tmp_path, initialize(tmp_path))
    assert [m["id"] for m in messages if "result" in m] == [1]
    assert code == 1 and "Traceback" not in stderr


@pytest.mark.parametrize("address", ["0.0.0.0:2087", "[::]:2087", "192.0.2.1:2087"])
def test_tcp_beyond_loopback_is_refused(tmp_path: Path, address: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lamina", "lsp", "--tcp", address],
        cwd=tmp_path, env=server_env(), capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert out.returncode == 2
    host = address.rsplit(":", 1)[0].strip("[]")
    assert out.stderr.strip() == (
        f"error: refusing to listen on {host}: it is not a loopback address, and anyone who can "
        "reach it could run code on this machine. Pass --allow-remote to do it anyway."
    )


def test_tcp_on_ipv6_loopback(tmp_path: Path) -> None:
    import socket
    import time

    from ports import free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lamina", "lsp", "--tcp", f"[::1]:{port}"],
        cwd=tmp_path, env=server_env(), stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = socket.create_connection(("::1", port), timeout=10)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        with conn:
            conn.sendall(initialize(tmp_path))
            data = b""
            while b"capabilities" not in data:
                chunk = conn.recv(65536)
                assert chunk, data
                data += chunk
        assert parse(data)[0]["id"] == 1
    finally:
        server.kill()
        server.wait()
    assert b"Traceback" not in (server.stderr.read() if server.stderr else b"")
