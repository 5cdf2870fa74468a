"""`lamina serve` closes a connection that keeps it waiting (lamina/http_front.py, and aiohttp
for the connections handed to it): nothing sent, idle after an answer, a head that does not end
(however its bytes trickle in), a body that stops coming, an answer the client stops reading
(aborted; not one read slowly). Quietly, while other clients are served, and never a
connection waiting for its own answer. `--keep-alive` makes the timeout short here; every wait
below is bounded generously (the default, 75 s, would fail them)."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import slow_clients
from slow_clients import BOUND_S, aborted_by_server, closed_by_server, read_slowly, trickle_head

from emulator.harness import (
    ROLE,
    EmulatorProcess,
    handler_zip,
    make_client,
    start_emulator,
    unique,
    wait_until,
)

KEEP_ALIVE_S = 0.5
BIG = 5 * 1024 * 1024  # an answer larger than the kernel's socket buffers take in
INVOKE = "/2015-03-31/functions/{}/invocations"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    data = tmp_path_factory.mktemp("front-idle") / "data"
    process = start_emulator(data, "--keep-alive", str(KEEP_ALIVE_S))
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def function(server: EmulatorProcess) -> str:
    name = unique("idle")
    make_client(server.endpoint).create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": handler_zip("kept")},
    )
    return name


def connect(server: EmulatorProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=BOUND_S)


def invoke(server: EmulatorProcess, name: str, event: Any) -> tuple[int, dict[str, str], Any]:
    """An Invoke on a fresh connection (the front's): status, headers, the function's answer."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=BOUND_S)
    try:
        conn.request("POST", INVOKE.format(name), body=json.dumps(event).encode())
        answer = conn.getresponse()
        body = answer.read()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, json.loads(body)
    finally:
        conn.close()


def served(server: EmulatorProcess, name: str) -> None:
    status, headers, answer = invoke(server, name, {})
    assert status == 200 and "server" not in headers, (status, headers)  # the front answered
    assert answer["answer"] == "kept", answer


def no_traceback(server: EmulatorProcess) -> None:
    assert "Traceback" not in server.log(), server.log()


def test_a_connection_that_sends_nothing_is_closed(server: EmulatorProcess, function: str) -> None:
    with connect(server) as silent:
        served(server, function)  # another client meanwhile
        assert closed_by_server(silent)
    served(server, function)
    no_traceback(server)


def test_a_kept_connection_is_closed_once_idle(server: EmulatorProcess, function: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=BOUND_S)
    conn.request("POST", INVOKE.format(function), body=b"{}")
    answer = conn.getresponse()
    assert answer.status == 200 and json.loads(answer.read())["answer"] == "kept"
    assert answer.getheader("Connection") is None and answer.getheader("Server") is None
    assert conn.sock is not None  # kept alive by the front
    assert closed_by_server(conn.sock)
    conn.close()
    served(server, function)


@pytest.mark.parametrize(
    "prefix", [INVOKE.format("idle-head"), "/2025-12-01/durable-executions/arn/checkpoint"]
)
def test_a_head_that_does_not_end_is_closed(
    server: EmulatorProcess, function: str, prefix: str
) -> None:
    """A header line now and then (more often than the timeout) does not keep it open."""
    with connect(server) as slow:
        lines = trickle_head(slow, f"POST {prefix} HTTP/1.1".encode(), KEEP_ALIVE_S / 5)
        assert lines is not None, "still open"
    served(server, function)
    no_traceback(server)


def test_a_body_that_stops_coming_is_closed(server: EmulatorProcess, function: str) -> None:
    with connect(server) as stalled:
        stalled.sendall(
            f"POST {INVOKE.format(function)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            'Content-Length: 100\r\n\r\n{"a": '.encode()
        )
        served(server, function)
        assert closed_by_server(stalled)
    served(server, function)
    no_traceback(server)


def test_a_connection_handed_to_aiohttp_is_closed(server: EmulatorProcess, function: str) -> None:
    """A request the front does not take is aiohttp's: its keep-alive timeout is the same."""
    with connect(server) as other:
        other.sendall(b"GET /2016-08-19/account-settings HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        served(server, function)
        assert closed_by_server(other)
    served(server, function)


def test_a_connection_waiting_for_its_answer_is_kept(
    server: EmulatorProcess, function: str, tmp_path: Path
) -> None:
    """An invoke that runs past the timeout is answered on its connection."""
    started, gate = tmp_path / "started", tmp_path / "gate"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=BOUND_S)
    event = {"started": str(started), "gate": str(gate)}
    conn.request("POST", INVOKE.format(function), body=json.dumps(event).encode())
    wait_until(started.exists)
    with connect(server) as silent:  # the timeout passes while the invoke runs
        assert closed_by_server(silent)
    gate.touch()
    answer = conn.getresponse()
    assert answer.status == 200 and answer.getheader("Server") is None
    assert json.loads(answer.read())["answer"] == "kept"
    conn.close()


def test_a_client_pipelining_while_it_waits_is_not_read_into_memory(
    server: EmulatorProcess, function: str, tmp_path: Path
) -> None:
    """While its invoke runs, what a client sends after it stays in its socket (the front
    stops reading past a head's size): a flood can't grow the server's memory."""
    started, gate = tmp_path / "started", tmp_path / "gate"
    body = json.dumps({"started": str(started), "gate": str(gate)}).encode()
    with connect(server) as flooding:
        flooding.sendall(
            f"POST {INVOKE.format(function)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        wait_until(started.exists)
        flooding.settimeout(2.0)
        sent = 0
        with pytest.raises(TimeoutError):  # the socket's buffers fill: nobody reads them
            while sent < 256 * 1024 * 1024:
                flooding.sendall(b"X" * 65536)
                sent += 65536
        served(server, function)  # another client meanwhile
        gate.touch()
        flooding.settimeout(BOUND_S)
        answer = b""
        while b'"answer": "kept"' not in answer and (piece := flooding.recv(65536)):
            answer += piece
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer[:200]
        assert b'"answer": "kept"' in answer
    served(server, function)  # (the flood itself then goes to aiohttp: its 400)


def big_invoke(name: str, pad: str) -> bytes:
    """An Invoke whose answer (the handler's, with the event in it) is as large as `pad`."""
    body = json.dumps({"pad": pad}).encode()
    return (
        f"POST {INVOKE.format(name)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


def test_a_client_that_never_reads_is_aborted(server: EmulatorProcess, function: str) -> None:
    """Its answer stops in the server's buffers: after the timeout with no progress, the
    connection is reset (a close would wait for the client forever)."""
    with slow_clients.connect(server.port, receive_buffer=16384) as deaf:
        deaf.sendall(big_invoke(function, "d" * BIG))
        served(server, function)  # another client meanwhile
        assert aborted_by_server(deaf)
    served(server, function)
    no_traceback(server)  # (nor from the flood of the test before: its 400 is one line)


def test_a_client_reading_slowly_is_not_cut(server: EmulatorProcess, function: str) -> None:
    """Its answer takes several timeouts to read, a piece each 25th of one."""
    pad = "s" * BIG
    with slow_clients.connect(server.port, receive_buffer=65536) as slow:
        slow.sendall(big_invoke(function, pad))
        head, body = read_slowly(slow, 32768, KEEP_ALIVE_S / 25)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n"), head
    assert json.loads(body)["event"]["pad"] == pad


@pytest.mark.parametrize(
    "garbage", [b"XXXX\r\n\r\n", b"GET /2016-08-19/account-settings HTTP/1.1\r\nBad Header\r\n\r\n"]
)
def test_garbage_gets_a_400_and_one_line_in_the_log(
    server: EmulatorProcess, function: str, garbage: bytes
) -> None:
    """After a first request (aiohttp logs a bad method on one at debug level only), garbage
    gets aiohttp's 400, and the log one line about it: no traceback."""
    line = "malformed request from 127.0.0.1"
    before = server.log().count(line)
    with connect(server) as sock:
        sock.sendall(b"GET /2016-08-19/account-settings HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head, _ = read_slowly(sock, 65536, 0)
        assert head.startswith(b"HTTP/1.1 200 ") and b"Server:" in head, head  # aiohttp's
        sock.sendall(garbage)
        head, _ = read_slowly(sock, 65536, 0)
    assert head.split(b" ")[1] == b"400", head
    wait_until(lambda: server.log().count(line) > before)
    served(server, function)
    no_traceback(server)
