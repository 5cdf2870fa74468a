"""The parent side of the Lambda Runtime API, one server per execution environment.

A small HTTP/1.1 server, an asyncio Protocol on its own loopback port, so that
`AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT` works for any runtime client. It works on callbacks, not
on stream tasks: a request is handled as soon as its last byte arrives, and an event goes to a
runtime parked on `/next` within `deliver` itself, so a warm invoke pays no event-loop round
trips here (a post's answer alone waits one turn, see `_Connection._process`). Every response
goes out in one write with TCP_NODELAY set: headers and body in separate segments cost about
40 ms per request (Nagle plus delayed ACK).

Sealed: given its environment's root pid, the server answers only connections made by that
process tree (see peer_process), so another function that learns the port can neither take,
answer nor block this environment's invocations. With the concurrency of one a second `/next`
while one is parked gets 403 InvalidStateTransition (what rapid, the Runtime API server of
aws-lambda-runtime-interface-emulator, answers a /next the runtime's state doesn't allow) instead
of replacing the waiting one.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import select
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

from lamina.runtime import peer_process
from lamina.runtime.chunked_body import STREAM_ERROR_TYPE, streamed_error
from lamina.runtime.request_reader import BadRequest, Request, RequestReader, error_json
from lamina.runtime.request_reader import response as _response

log = logging.getLogger(__name__)

PREFIX = "/2018-06-01/runtime"
DEBUG_PREFIX = "/2018-06-01/lamina/debug/"
NEXT_PATH = f"{PREFIX}/invocation/next"
RUNTIME_PATHS = f"{PREFIX}/"
INIT_ERROR_PATH = f"{PREFIX}/init/error"
_ACCEPTED = '{"status":"OK"}'
_ACCEPTED_REPLY = _response(202, _ACCEPTED.encode())
_PEEK_FLAGS = socket.MSG_PEEK | getattr(socket, "MSG_DONTWAIT", 0)
_RDHUP = getattr(select, "POLLRDHUP", 0)  # the peer shut its end (Linux)


@dataclass
class PendingEvent:
    """An event waiting for the runtime's next `GET /invocation/next`."""

    request_id: str
    body: bytes
    headers: dict[str, str]


# A route beside the Runtime API: (connection, method, path, headers, body).
Route = Callable[["_Connection", str, str, dict[str, str], bytes], None]


class RuntimeApiListener(Protocol):
    """What the server reports to the environment that owns it. Called from the event loop's
    I/O callbacks: they must not block, and must not call back into the server's `deliver`."""

    def on_next(self) -> None:
        """The runtime is idle and waiting (init is over, or the last invocation ended)."""

    def on_response(self, request_id: str, body: bytes, content_type: str) -> tuple[int, str]:
        """A result. Returns the status and JSON body to answer the runtime with."""

    def on_invocation_error(self, request_id: str, body: bytes) -> tuple[int, str]: ...

    def on_init_error(self, body: bytes, error_type: str) -> None: ...

    def on_debugger(self, event: str, payload: dict[str, Any]) -> None:
        """A debug environment's launcher reports debugpy's port ("listening"), why debugpy
        could not listen ("failed"), or that the editor has attached ("attached"). Lamina's own path, beside the Runtime API."""


@functools.cache
def _say_unsealed() -> None:
    log.warning("without /proc the Runtime API cannot tell which process calls it: unsealed")


class RuntimeApiServer:
    def __init__(
        self, listener: RuntimeApiListener, owner: Callable[[], int | None] | None = None
    ) -> None:
        """`owner` gives the environment's root pid: only its process tree is answered."""
        self.listener = listener
        self.owner = owner
        self.port = 0
        self._server: asyncio.AbstractServer | None = None
        self._pending: PendingEvent | None = None
        self._parked: _Connection | None = None  # the connection waiting on /next
        self._disconnected = False  # the runtime hung up while parked on /next
        self._connections: set[_Connection] = set()
        self._routes: list[tuple[str, Route]] = []  # other APIs on this port (add_route)

    async def start(self, listener: socket.socket) -> None:
        """Serve on a socket bound (and maybe already connected to) before the loop ran."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), sock=listener)
        self.port = listener.getsockname()[1]

    def add_route(self, prefix: str, route: Route) -> None:
        """Serve requests whose path starts with `prefix` (not the Runtime API's own) with
        `route`, which answers through the connection, or parks it (the Extensions API)."""
        self._routes.append((prefix, route))

    def _route(self, path: str) -> Route | None:
        for prefix, route in self._routes:
            if path.startswith(prefix):
                return route
        return None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def deliver(self, event: PendingEvent) -> None:
        """Hand an event to the runtime: now if it is parked on /next, else at its next call."""
        parked, self._parked = self._parked, None
        if parked is None or not parked.send_event(event):
            self._pending = event

    def runtime_gone(self) -> bool:
        """True if the runtime hung up while waiting for its next event (it died). Peeks at the
        socket too, since the loop may not have seen the hang-up yet."""
        if self._disconnected:
            return True
        parked = self._parked
        return parked is not None and parked.peer_closed()

    def cancel_pending(self) -> None:
        """Forget any event not yet taken (its environment died or was retired); a runtime
        parked on /next is hung up on."""
        self._pending = None
        parked, self._parked = self._parked, None
        if parked is not None:
            self._disconnected = True
            parked.close()

    async def close(self) -> None:
        self.cancel_pending()
        if self._server is not None:
            self._server.close()
            self._server = None
        for connection in list(self._connections):
            connection.close()

    # --- called by the connections -----------------------------------------------------------

    def _admits(self, transport: asyncio.BaseTransport) -> bool:
        """Whether the connection comes from the environment's own process tree."""
        root = self.owner() if self.owner is not None else None
        if root is None:
            return True
        if not peer_process.available():
            _say_unsealed()
            return True
        peer = transport.get_extra_info("peername")
        own = transport.get_extra_info("sockname")
        if not peer or not own:
            return False
        return peer_process.connection_from_tree(root, peer[1], own[1])

    def _next(self, connection: _Connection) -> None:
        """GET /invocation/next: answer with the pending event, or park until `deliver`."""
        parked = self._parked
        if parked is not None and parked is not connection and not parked.peer_closed():
            message = (
                "State transition from Ready to Ready failed for runtime. Error: a /next waits"
            )
            connection.write(403, error_json("InvalidStateTransition", message).encode())
            return
        self._disconnected = False
        event, self._pending = self._pending, None
        if event is not None:
            connection.write(200, event.body, event.headers)
            return
        connection.parked = True
        self._parked = connection
        self.listener.on_next()

    def _stream_sink(self, path: str) -> Callable[[bytes], None] | None:
        """Where a streamed `/invocation/{id}/response`'s chunks go as they come (the
        listener's optional `on_stream_chunk`)."""
        parts = path[len(PREFIX) :].strip("/").split("/")
        hear = getattr(self.listener, "on_stream_chunk", None)
        if hear is None or len(parts) != 3 or parts[0] != "invocation" or parts[2] != "response":
            return None
        request_id = parts[1]
        return lambda data: hear(request_id, data)

    def _hung_up(self, connection: _Connection) -> None:
        self._connections.discard(connection)
        if self._parked is connection:
            self._parked = None
            self._disconnected = True

    def _post(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        if path.startswith(DEBUG_PREFIX):
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                payload = {}
            self.listener.on_debugger(path[len(DEBUG_PREFIX) :], payload)
            return 202, _ACCEPTED
        if path == INIT_ERROR_PATH:
            self.listener.on_init_error(body, headers.get("lambda-runtime-function-error-type", ""))
            return 202, _ACCEPTED
        parts = path[len(PREFIX) :].strip("/").split("/")
        if len(parts) == 3 and parts[0] == "invocation" and path.startswith(PREFIX):
            request_id, kind = parts[1], parts[2]
            if kind == "response":
                if STREAM_ERROR_TYPE in headers:  # a streamed response that failed midway
                    return self.listener.on_invocation_error(request_id, streamed_error(headers))
                content_type = headers.get("content-type", "application/json")
                return self.listener.on_response(request_id, body, content_type)
            if kind == "error":
                return self.listener.on_invocation_error(request_id, body)
        return 404, error_json("NotFound", f"no route for POST {path}")


class _Connection(asyncio.Protocol):
    """One connection from the runtime client, kept alive: its requests are answered in order."""

    def __init__(self, server: RuntimeApiServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.parked = False  # waiting on /next: what comes meanwhile waits too
        self._answering = False  # a post's answer is about to go out: the same
        self._out: list[bytes] | None = None  # answers to send in one write (see _process)
        self._held = b""  # answers pipelined before the parked /next: they go with its event
        self._fd = -1
        self._poll: select.poll | None = None  # watches `_fd` for the runtime's hang-up
        self._reader = RequestReader(server._stream_sink)
        self._call_soon: Callable[..., object] | None = None  # the loop's, set on connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport (uvloop's does not subclass asyncio.Transport, hence the cast).
        self.transport = cast(asyncio.Transport, transport)
        self._call_soon = asyncio.get_running_loop().call_soon
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._fd = sock.fileno()
        self.server._connections.add(self)
        if not self.server._admits(transport):
            log.warning("refused a Runtime API connection from outside the environment")
            message = error_json("AccessDenied", "this Runtime API serves another environment")
            self._send(_response(403, message.encode()))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._fd = -1
        self._poll = None
        self.server._hung_up(self)

    def data_received(self, data: bytes) -> None:
        self._reader.buffer += data
        if not self.parked and not self._answering:
            self._process()

    def _process(self, first: bytes = b"") -> None:
        """Handle the complete requests in the buffer, in order, and send their answers (after
        `first`) in one write at the end. A result posted together with the next `/next`
        (Lamina's bootstrap pipelines them) is acknowledged with the event that answers that
        `/next` (see `send_event`): the waiting runtime isn't woken just to read its 202."""
        out = self._out = [first] if first else []
        server = self.server
        try:
            while not self.parked and not self._answering:
                transport = self.transport
                if transport is None or transport.is_closing():
                    return
                request = self._take_request()
                if request is None:
                    return
                method, path, headers, body = request
                # Other APIs on this port (extensions, telemetry) never live under the
                # Runtime API's own prefix: its requests skip the routes.
                routed = server._routes and not path.startswith(RUNTIME_PATHS)
                route = server._route(path) if routed else None
                if route is not None:
                    route(self, method, path, headers, body)
                elif path == NEXT_PATH and method == "GET":
                    server._next(self)
                    if self.parked and out:
                        # A result posted together with this /next (Lamina's bootstrap): its
                        # answer goes with the next event, in one write, so the waiting runtime
                        # wakes once per invoke, not once more just to read a 202.
                        self._held = b"".join(out)
                        out.clear()
                elif method == "POST":
                    status, answer = server._post(path, headers, body)
                    # Answered on the loop's next turn, after whatever the post woke up: a
                    # result's caller gets its HTTP response before the runtime runs again.
                    # Meanwhile this connection takes no further request.
                    self._answering = True
                    if status == 202 and answer == _ACCEPTED:  # a result taken: made once
                        reply = _ACCEPTED_REPLY
                    else:
                        reply = _response(status, answer.encode())
                    self._later(self._answer, reply)
                else:
                    message = error_json("NotFound", f"no route for {method} {path}")
                    self.write(404, message.encode())
        finally:
            self._out = None
            if out:
                self._send(out[0] if len(out) == 1 else b"".join(out))

    def _later(self, callback: Callable[..., object], *args: object) -> None:
        """On the loop's next turn."""
        call_soon = self._call_soon or asyncio.get_running_loop().call_soon
        call_soon(callback, *args)

    def _answer(self, reply: bytes) -> None:
        self._answering = False
        self._process(reply)

    def _send(self, data: bytes) -> None:
        if self._out is not None:
            self._out.append(data)
        elif data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _take_request(self) -> Request | None:
        """The next complete request in the buffer, if there is one. A request the server can't
        take (a head too long, a body too big, a bad length) ends the connection."""
        try:
            return self._reader.take()
        except BadRequest as e:
            if e.status:
                self.write(e.status, e.body)
            self.close()
            return None

    def send_event(self, event: PendingEvent) -> bool:
        """Answer the parked /next with an event; False if the connection is gone."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return False
        self.parked = False
        held, self._held = self._held, b""
        self._send(held + _response(200, event.body, event.headers))
        if self._reader.buffer:  # the runtime sent more while it waited: handle it after this
            self._later(self._process)
        return True

    def peer_closed(self) -> bool:
        """True if the runtime closed its end, whether or not the loop has seen it yet."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return True
        if self._fd < 0:  # no socket to look at: trust the loop
            return False
        if _RDHUP:  # Linux: one poll(2) of the descriptor, registered once per connection
            if self._poll is None:
                self._poll = select.poll()
                self._poll.register(self._fd, _RDHUP)
            try:
                return bool(self._poll.poll(0))  # POLLRDHUP, or POLLHUP, POLLERR, POLLNVAL
            except OSError:
                return True
        # The transport's own socket object may not offer recv (uvloop's doesn't), so peek
        # through a socket object that borrows the descriptor.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, self._fd)
        try:
            return sock.recv(1, _PEEK_FLAGS) == b""
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
        finally:
            sock.detach()

    def write(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self._send(_response(status, body, headers))

    def close(self) -> None:
        """Close after sending what is already answered."""
        transport = self.transport
        if transport is None:
            return
        if (self._held or self._out) and not transport.is_closing():
            transport.write(self._held + b"".join(self._out or ()))
            self._held = b""
            if self._out:
                self._out.clear()
        transport.close()
