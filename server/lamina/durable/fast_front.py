"""CheckpointDurableExecution answered before aiohttp sees it.

A durable function's SDK checkpoints every step; on `lamina serve` each checkpoint went
through aiohttp's request, routing, middleware and response machinery, which cost about as much
CPU as the checkpoint itself. The emulator's listening socket takes `DurableFrontSite` instead
of aiohttp's SockSite: each connection starts with a `DurableFront`, which answers the
checkpoints it is sent itself (durable/wire.py, as the aiohttp route would) and hands the
connection to aiohttp, for good, at the first request that is anything else (it is then
aiohttp's connection as any other: the request and what follows go there unchanged). The SDK's
connections carry checkpoints only; every other client's connection is handed over at its
first bytes.

Taken here only: `POST /2025-12-01/durable-executions/{arn}/checkpoint` with a Content-Length
(up to the route's limit), no query, no `Expect`, no Function URL host. Anything else, or
what the wire does not take for a checkpoint, goes to aiohttp.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, cast

from aiohttp import web

log = logging.getLogger("lamina.durable")

CHECKPOINT_PREFIX = b"POST /2025-12-01/durable-executions/"
MAX_BODY = 6 * 1024 * 1024  # the emulator's limit for durable requests
MAX_HEAD = 16 * 1024
Answer = tuple[int, dict[str, str], bytes]
# The wire's checkpoint (method, raw path, body): an answer, one to come, or None (not taken).
Checkpoint = Callable[[str, str, bytes], "Answer | Future[Answer] | None"]
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict", 500: "Error"}


class DurableFront(asyncio.Protocol):
    def __init__(
        self,
        fallback: Callable[[], asyncio.BaseProtocol],
        checkpoint: Checkpoint,
        connections: set[DurableFront],
    ) -> None:
        self._fallback = fallback
        self._checkpoint = checkpoint
        self._connections = connections
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._waiting = False  # an answer comes from the execution's lane

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._connections.discard(self)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._waiting:
            self._serve()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def _serve(self) -> None:
        while self._buffer and not self._waiting and self._transport is not None:
            buffer = self._buffer
            if not buffer.startswith(CHECKPOINT_PREFIX[: len(buffer)]):
                self._hand_over()
                return
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEAD:
                    self._hand_over()
                return
            head = _head(buffer[:end])
            if head is None:
                self._hand_over()
                return
            path, length, close = head
            if len(buffer) < end + 4 + length:
                return
            body = buffer[end + 4 : end + 4 + length]
            try:
                answer = self._checkpoint("POST", path, body)
            except Exception as e:  # a bug: AWS's ServiceException, as the routes answer it
                log.exception("POST %s failed", path)
                answer = _service_error(e)
            if answer is None:
                self._hand_over()
                return
            self._buffer = buffer[end + 4 + length :]
            if isinstance(answer, tuple):
                self._write(answer, close)
            else:
                self._wait_for(answer, close)

    def _wait_for(self, answer: Future[Answer], close: bool) -> None:
        """The lane answers later: this connection takes no further request until then."""
        self._waiting = True
        loop = asyncio.get_running_loop()
        answer.add_done_callback(
            lambda done: loop.call_soon_threadsafe(self._answered, done, close)
        )

    def _answered(self, done: Future[Answer], close: bool) -> None:
        self._waiting = False
        try:
            answer = done.result()
        except Exception as e:
            log.exception("a durable checkpoint failed")
            answer = _service_error(e)
        self._write(answer, close)
        self._serve()

    def _write(self, answer: Answer, close: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        status, headers, payload = answer
        lines = [
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
            "Content-Type: application/json",
            f"Content-Length: {len(payload)}",
            f"x-amzn-RequestId: {uuid.uuid4()}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        if close:
            lines.append("Connection: close")
        transport.write("\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + payload)
        if close:
            transport.close()

    def _hand_over(self) -> None:
        """aiohttp takes the connection from here on, with what is buffered."""
        transport = self._transport
        if transport is None:
            return
        self._connections.discard(self)
        self._transport = None
        protocol = self._fallback()
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        buffer, self._buffer = self._buffer, b""
        if buffer:
            cast(asyncio.Protocol, protocol).data_received(buffer)


def _head(raw: bytes) -> tuple[str, int, bool] | None:
    """A checkpoint's request head: its raw path, body length and whether the client closes;
    None if this front does not take it."""
    lines = raw.decode("latin-1").split("\r\n")
    method, _, rest = lines[0].partition(" ")
    path, _, version = rest.partition(" ")
    if method != "POST" or version != "HTTP/1.1" or "?" in path:
        return None
    length = -1
    close = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "content-length" and value.isdigit():
            length = int(value)
        elif name in ("transfer-encoding", "expect") or name == "host" and ".lambda-url." in value:
            return None
        elif name == "connection":
            close = value.lower() == "close"
    if not 0 <= length <= MAX_BODY:
        return None
    return path, length, close


def _service_error(error: Exception) -> Answer:
    message = f"lamina serve failed: {type(error).__name__}: {error}"
    body = json.dumps({"Type": "ServiceException", "message": message}).encode()
    return 500, {"x-amzn-ErrorType": "ServiceException"}, body


class DurableFrontSite(web.SockSite):
    """aiohttp's SockSite, with a DurableFront on each connection."""

    def __init__(
        self, runner: web.BaseRunner, sock: socket.socket, checkpoint: Checkpoint, **kw: Any
    ):
        super().__init__(runner, sock, **kw)
        self._checkpoint = checkpoint
        self._fronts: set[DurableFront] = set()

    async def start(self) -> None:
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        fronts, checkpoint = self._fronts, self._checkpoint

        def front() -> DurableFront:
            return DurableFront(server, checkpoint, fronts)

        self._server = await asyncio.get_running_loop().create_server(
            front, sock=self._sock, backlog=self._backlog
        )

    async def stop(self) -> None:
        await super().stop()
        for front in list(self._fronts):  # aiohttp's shutdown closes only its own
            front.close()
