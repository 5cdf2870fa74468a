"""The parent side of the Lambda Runtime API, one server per execution environment.

A small HTTP/1.1 server on asyncio streams, on its own loopback port, so that
`AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT` works for any runtime client. Every response goes out in
one write with TCP_NODELAY set: headers and body in separate segments cost about 40 ms per
request (Nagle plus delayed ACK).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

PREFIX = "/2018-06-01/runtime"
DEBUG_PREFIX = "/2018-06-01/lamina/debug/"
# A runtime may post any size; we read up to this and refuse larger bodies without reading them.
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_HEAD_BYTES = 4 * 1024 * 1024
_REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}
_REASONS |= {413: "Payload Too Large", 500: "Internal Server Error"}


@dataclass
class PendingEvent:
    """An event waiting for the runtime's next `GET /invocation/next`."""

    request_id: str
    body: bytes
    headers: dict[str, str]


class RuntimeApiListener(Protocol):
    """What the server reports to the environment that owns it."""

    def on_next(self) -> None:
        """The runtime is idle and waiting (init is over, or the last invocation ended)."""

    def on_response(self, request_id: str, body: bytes, content_type: str) -> tuple[int, str]:
        """A result. Returns the status and JSON body to answer the runtime with."""

    def on_invocation_error(self, request_id: str, body: bytes) -> tuple[int, str]: ...

    def on_init_error(self, body: bytes, error_type: str) -> None: ...

    def on_debugger(self, event: str, payload: dict[str, Any]) -> None:
        """A debug environment's launcher reports debugpy's port ("listening"), or that the
        editor has attached ("attached"). Lamina's own path, beside the Runtime API."""


class RuntimeApiServer:
    def __init__(self, listener: RuntimeApiListener) -> None:
        self.listener = listener
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pending: PendingEvent | None = None
        self._waiter: asyncio.Future[PendingEvent] | None = None
        self._parked: asyncio.StreamWriter | None = None  # the connection waiting on /next
        self._disconnected = False  # the runtime hung up while parked on /next

    async def start(self, listener: socket.socket) -> None:
        """Serve on a socket bound (and maybe already connected to) before the loop ran."""
        # awslambdaric sends an X-Ray error header of up to 1 MB with each error.
        self._server = await asyncio.start_server(self._serve, sock=listener, limit=MAX_HEAD_BYTES)
        self.port = listener.getsockname()[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def deliver(self, event: PendingEvent) -> None:
        """Hand an event to the runtime: now if it is parked on /next, else at its next call."""
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(event)
        else:
            self._pending = event

    def runtime_gone(self) -> bool:
        """True if the runtime hung up while waiting for its next event (it died). Peeks at the
        socket too, since the loop may not have seen the hang-up yet."""
        if self._disconnected:
            return True
        sock = self._parked.get_extra_info("socket") if self._parked is not None else None
        sock = getattr(sock, "_sock", sock)  # asyncio wraps it in a TransportSocket without recv
        if sock is None:
            return False
        try:
            peeked: bytes = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            return peeked == b""
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True

    def cancel_pending(self) -> None:
        """Forget any event not yet taken (its environment died or was retired)."""
        self._pending = None
        if self._waiter is not None and not self._waiter.done():
            self._waiter.cancel()
        self._waiter = None

    async def close(self) -> None:
        self.cancel_pending()
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                method, path, headers, body = request
                if body is None:
                    _write(writer, 413, _error_json("RequestEntityTooLarge", "Payload too large"))
                    return
                if method == "GET" and path == f"{PREFIX}/invocation/next":
                    self._disconnected = False
                    self._parked = writer
                    try:
                        event = await self._next_event(reader)
                    finally:
                        self._parked = None
                    if event is None:
                        self._disconnected = True
                        return
                    _write(writer, 200, event.body, event.headers)
                elif method == "POST":
                    status, answer = self._post(path, headers, body)
                    _write(writer, status, answer.encode())
                else:
                    _write(writer, 404, _error_json("NotFound", f"no route for {method} {path}"))
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            raise
        finally:
            writer.close()

    async def _next_event(self, reader: asyncio.StreamReader) -> PendingEvent | None:
        if self._pending is not None:
            event, self._pending = self._pending, None
            return event
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[PendingEvent] = loop.create_future()
        self._waiter = waiter
        self.listener.on_next()
        # Watch the connection too: a runtime that dies while parked here must not swallow the
        # next event (lambda-facts: "a killed runtime's long poll").
        gone = asyncio.ensure_future(reader.read(1))
        try:
            await asyncio.wait((waiter, gone), return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            # Let the cancelled read finish, or the stream still counts it as a reader.
            with contextlib.suppress(asyncio.CancelledError):
                await gone
        if waiter.done() and not waiter.cancelled():
            return waiter.result()
        if self._waiter is waiter:
            self._waiter = None
        waiter.cancel()
        return None

    def _post(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        if path.startswith(DEBUG_PREFIX):
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                payload = {}
            self.listener.on_debugger(path[len(DEBUG_PREFIX) :], payload)
            return 202, '{"status":"OK"}'
        if path == f"{PREFIX}/init/error":
            self.listener.on_init_error(body, headers.get("lambda-runtime-function-error-type", ""))
            return 202, '{"status":"OK"}'
        parts = path[len(PREFIX) :].strip("/").split("/")
        if len(parts) == 3 and parts[0] == "invocation" and path.startswith(PREFIX):
            request_id, kind = parts[1], parts[2]
            if kind == "response":
                content_type = headers.get("content-type", "application/json")
                return self.listener.on_response(request_id, body, content_type)
            if kind == "error":
                return self.listener.on_invocation_error(request_id, body)
        return 404, _error_json("NotFound", f"no route for POST {path}").decode()


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes | None] | None:
    """One request, or None at a clean end of the connection. A body that is too big is None."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        raise ConnectionError("request head too long") from None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    if length > MAX_BODY_BYTES:
        return method, path, headers, None
    body = await reader.readexactly(length) if length else b""
    return method, path, headers, body


def _write(
    writer: asyncio.StreamWriter, status: int, body: bytes, headers: dict[str, str] | None = None
) -> None:
    head = f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}\r\nContent-Length: {len(body)}\r\n"
    if headers:
        for name, value in headers.items():
            head += f"{name}: {value}\r\n"
    else:
        head += "Content-Type: application/json\r\n"
    writer.write(head.encode("latin-1") + b"\r\n" + body)


def _error_json(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()
