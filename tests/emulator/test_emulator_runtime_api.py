"""The parent side of the Runtime API as `lamina serve` runs it: its answers to requests a runtime
client should not send (the function itself talks to AWS_LAMBDA_RUNTIME_API here, on connections
of its own), and the event loop `lamina serve` runs on."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from emulator.harness import make_client, start_emulator
from emulator.test_emulator_async import deploy_source

# Talks to its own Runtime API in raw HTTP/1.1 and returns what each exchange answered.
PROBE = r'''
import json, os, socket

HOST, PORT = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
PREFIX = "/2018-06-01/runtime"


def connect():
    sock = socket.create_connection((HOST, int(PORT)), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_answer(sock, buffer=b""):
    """(status, JSON body, rest of the buffer), or (None, None, b"") once the server closed."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None, None, b""
        buffer += chunk
    head, _, buffer = buffer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(buffer) < length:
        buffer += sock.recv(65536)
    return int(lines[0].split(" ")[1]), json.loads(buffer[:length]), buffer[length:]


def request(method, path, body=b"", extra=""):
    return (
        f"{method} {PREFIX}{path} HTTP/1.1\r\nHost: lambda\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


def closed(sock):
    try:
        return sock.recv(1) == b""
    except OSError:
        return True


def handler(event, context):
    seen = {}
    sock = connect()
    sock.sendall(request("GET", "/nowhere"))
    status, body, _ = read_answer(sock)
    seen["unknown route"] = [status, body["errorType"]]

    # A result for an invocation that isn't the one running: refused, the connection stays.
    sock.sendall(request("POST", "/invocation/not-this-one/response", b'{"x": 1}'))
    status, body, _ = read_answer(sock)
    seen["other request id"] = [status, body["errorType"]]

    # Two requests in one write (pipelined), the first one a post: answered in order.
    sock.sendall(
        request("POST", "/invocation/not-this-one/error", b"{}") + request("GET", "/nowhere")
    )
    first, _, rest = read_answer(sock)
    second, _, _ = read_answer(sock, rest)
    seen["pipelined"] = [first, second]

    # A request trickling in: its head and body in several writes.
    whole = request("POST", "/invocation/not-this-one/response", b'{"slow": true}')
    for i in range(0, len(whole), 7):
        sock.sendall(whole[i : i + 7])
    status, body, _ = read_answer(sock)
    seen["trickled"] = [status, body["errorType"]]
    sock.close()

    # A body over the limit is refused unread, and the connection closed.
    sock = connect()
    sock.sendall(
        f"POST {PREFIX}/invocation/x/response HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n"
        .encode()
    )
    status, body, _ = read_answer(sock)
    seen["too big"] = [status, body["errorType"], closed(sock)]
    sock.close()

    # A Content-Length that isn't a number: a bad request, and the connection closed.
    sock = connect()
    sock.sendall(request("POST", "/invocation/x/response").replace(b": 0\r\n", b": zero\r\n"))
    status, body, _ = read_answer(sock)
    seen["bad length"] = [status, closed(sock)]
    sock.close()
    return seen
'''


def test_runtime_api_answers_requests_a_runtime_should_not_send(tmp_path: Path, lam: Any) -> None:
    name = deploy_source(lam, PROBE, tmp_path)
    for _ in range(2):  # cold, then warm (thawed): the environment is still fine afterwards
        response = lam.invoke(FunctionName=name)
        assert "FunctionError" not in response, response["Payload"].read()
        seen = json.loads(response["Payload"].read())
        assert seen == {
            "unknown route": [404, "NotFound"],
            "other request id": [400, "InvalidRequestID"],
            "pipelined": [400, 404],
            "trickled": [400, "InvalidRequestID"],
            "too big": [413, "RequestEntityTooLarge", True],
            "bad length": [400, True],
        }


BIG = """
import os
ENV = os.urandom(8).hex()  # names the environment: in the sandbox every runtime is pid 2

def handler(event, context):
    return {"size": event["size"], "env": ENV, "data": "x" * event["size"]}
"""


def test_a_large_result_then_the_next_invoke(tmp_path: Path, lam: Any) -> None:
    # The result arrives in many reads, with the runtime's next /next right behind it.
    name = deploy_source(lam, BIG, tmp_path)
    pids = set()
    for size in (5_000_000, 10, 4_000_000, 10):
        response = lam.invoke(FunctionName=name, Payload=json.dumps({"size": size}).encode())
        assert "FunctionError" not in response
        body = json.loads(response["Payload"].read())
        assert body["size"] == size and body["data"] == "x" * size
        pids.add(body["env"])
    assert len(pids) == 1, "one warm environment took them all"


def loop_library_loaded(pid: int) -> bool:
    maps = Path(f"/proc/{pid}/maps").read_text()
    return any("/uvloop/" in line for line in maps.splitlines())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/maps")
@pytest.mark.parametrize("choice", ["default", "asyncio"])
def test_serve_runs_on_uvloop_unless_told_otherwise(choice: str, tmp_path: Path) -> None:
    pytest.importorskip("uvloop")
    env = {"LAMINA_EVENT_LOOP": "asyncio"} if choice == "asyncio" else {}
    server = start_emulator(tmp_path / "data", env=env)
    try:
        lam = make_client(server.endpoint)
        name = deploy_source(lam, "def handler(event, context):\n    return event\n", tmp_path)
        for i in range(3):  # cold, then warm invokes through a frozen and thawed environment
            response = lam.invoke(FunctionName=name, Payload=json.dumps({"i": i}).encode())
            assert json.loads(response["Payload"].read()) == {"i": i}
        assert loop_library_loaded(server.proc.pid) == (choice == "default")
    finally:
        server.stop()
