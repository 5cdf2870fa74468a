"""The Runtime API server on a loopback port, driven by a raw socket the way Lamina's bootstrap
drives it: a result posted in the same write as the next `/next` is answered together with the
next event, so the waiting runtime wakes once per invoke."""

from __future__ import annotations

import asyncio
import importlib
import socket
from typing import Any

from lamina.runtime.api_server import NEXT_PATH, PREFIX, PendingEvent, RuntimeApiServer


class Listener:
    def __init__(self) -> None:
        self.nexts = 0
        self.results: list[tuple[str, bytes]] = []
        self.idle = asyncio.Event()

    def on_next(self) -> None:
        self.nexts += 1
        self.idle.set()

    def on_response(self, request_id: str, body: bytes, content_type: str) -> tuple[int, str]:
        self.results.append((request_id, body))
        return 202, '{"status":"OK"}'

    def on_invocation_error(self, request_id: str, body: bytes) -> tuple[int, str]:
        return 202, '{"status":"OK"}'

    def on_init_error(self, body: bytes, error_type: str) -> None: ...

    def on_debugger(self, event: str, payload: dict[str, Any]) -> None: ...


def request(method: str, path: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: lambda\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def read_answers(sock: socket.socket, count: int) -> list[tuple[int, bytes]]:
    loop = asyncio.get_running_loop()
    buffer = b""
    answers: list[tuple[int, bytes]] = []
    while len(answers) < count:
        if b"\r\n\r\n" in buffer:
            head, _, rest = buffer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = next(
                int(line.split(":", 1)[1])
                for line in lines
                if line.lower().startswith("content-length")
            )
            if len(rest) >= length:
                answers.append((int(lines[0].split(" ")[1]), rest[:length]))
                buffer = rest[length:]
                continue
        chunk = await loop.sock_recv(sock, 65536)
        assert chunk, "the server closed the connection"
        buffer += chunk
    assert buffer == b""
    return answers


def nothing_to_read(sock: socket.socket) -> bool:
    try:
        return not sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return True


async def serve_and_drive() -> None:
    listener = Listener()
    server = RuntimeApiServer(listener)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    await server.start(listening)
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.setblocking(False)
    try:
        sock.sendall(request("GET", NEXT_PATH))
        await listener.idle.wait()
        server.deliver(PendingEvent("id-1", b'{"n": 1}', {"Lambda-Runtime-Aws-Request-Id": "id-1"}))
        assert await read_answers(sock, 1) == [(200, b'{"n": 1}')]

        # The result and the next /next in one write, as the bootstrap sends them.
        listener.idle.clear()
        response = request("POST", f"{PREFIX}/invocation/id-1/response", b'"done"')
        sock.sendall(response + request("GET", NEXT_PATH))
        await listener.idle.wait()
        for _ in range(3):  # the turns in which an answer sent at once would have gone out
            await asyncio.sleep(0)
        assert listener.results == [("id-1", b'"done"')]
        assert nothing_to_read(sock), "the 202 went out alone, before the next event"

        server.deliver(PendingEvent("id-2", b'{"n": 2}', {"Lambda-Runtime-Aws-Request-Id": "id-2"}))
        assert await read_answers(sock, 2) == [(202, b'{"status":"OK"}'), (200, b'{"n": 2}')]

        # A result posted alone (awslambdaric waits for its answer) is answered at once.
        sock.sendall(request("POST", f"{PREFIX}/invocation/id-2/response", b'"two"'))
        assert await read_answers(sock, 1) == [(202, b'{"status":"OK"}')]

        # Parked with an answer held, then retired: the answer goes out before the hang-up.
        listener.idle.clear()
        sock.sendall(response + request("GET", NEXT_PATH))
        await listener.idle.wait()
        server.cancel_pending()
        assert await read_answers(sock, 1) == [(202, b'{"status":"OK"}')]
        assert await asyncio.get_running_loop().sock_recv(sock, 1) == b""
        assert listener.nexts == 3  # each /next reached the listener once
    finally:
        await server.close()
        sock.close()


def test_a_pipelined_result_is_answered_with_the_next_event() -> None:
    asyncio.run(serve_and_drive())


def test_the_bootstrap_knows_the_servers_202_by_its_bytes(monkeypatch: Any) -> None:
    """Lamina's bootstrap skips the 202 that takes a held-back result by its bytes (anything
    else is parsed): they must be what the server answers an environment's accepted result."""
    from pathlib import Path

    from lamina.runtime import invocation_answer
    from lamina.runtime.request_reader import response

    monkeypatch.syspath_prepend(str(Path(invocation_answer.__file__).parent))
    client = importlib.import_module("_lamina_runtime_client.api_client")
    assert response(202, invocation_answer.ACCEPTED.encode()) == client._ACCEPTED
