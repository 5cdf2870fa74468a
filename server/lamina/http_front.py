"""Hot requests answered before aiohttp sees them, on aiohttp's own listening socket.

aiohttp's request, routing, middleware and response machinery costs more CPU than a warm Invoke
or a durable checkpoint itself. A server's socket takes `FrontSite` instead of aiohttp's
SockSite: each connection starts with a `Front`, which parses plain requests itself and offers
each to the `FrontRoute` whose prefix its request line starts with. A route answers (at once, or
later: a coroutine, an asyncio or a concurrent Future), or declines (None) before it has done
anything; then, and at the first request no route's prefix matches, the connection is handed to
aiohttp, for good, with what is buffered (it is then aiohttp's connection as any other: the
request and what follows go there unchanged).

The front takes only HTTP/1.1 requests with a Content-Length (up to the route's limit), no
`Expect`, no `Transfer-Encoding` and no Function URL host; anything else goes to aiohttp. Its
answers carry a Date, no Server header (aiohttp's names itself: that is how tests and benchmarks
tell who answered), a fresh x-amzn-RequestId unless the route gives one, and a Content-Type
(application/json unless the route gives one) only with a body, as aiohttp's.

A connection that keeps the front waiting (nothing sent, a head that does not end however its
bytes trickle in, a body that stops coming, answers it stops taking) is closed, or aborted,
after the site's idle timeout; one waiting for its answer is not, however long that takes
(lamina/client_wait.py's rule, shared with `lamina api`). While an answer is to come, or the
client is not taking those it has, the front stops reading a connection past a head's size:
what a pipelining client sends meanwhile waits in its socket, not in the server's memory.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import email.utils
import re
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web

from lamina.bad_requests import quiet_malformed_requests
from lamina.client_wait import ClientWait

MAX_HEAD = 16 * 1024
# How long a client may keep a connection waiting before it is closed (aiohttp's run_app
# keep-alive timeout; aiohttp's own default, for a runner, is an hour).
KEEP_ALIVE_S = 75.0
Answer = tuple[int, dict[str, str], bytes]
_REASONS = {
    200: "OK", 202: "Accepted", 204: "No Content", 400: "Bad Request", 404: "Not Found",
    409: "Conflict", 413: "Request Entity Too Large", 429: "Too Many Requests", 500: "Error",
}  # fmt: skip


@dataclass(slots=True)
class FrontRequest:
    method: str
    path: str  # raw (percent-encoded), without the query
    query: str  # raw, without the "?"
    headers: dict[str, str]  # names in lower case (none repeated)
    body: bytes


# (route, where the body starts, the request, its body's length, whether the client closes)
_Head = tuple["FrontRoute", int, FrontRequest, int, bool]
Reply = (
    Answer
    | Coroutine[Any, Any, Answer]
    | asyncio.Future[Answer]
    | concurrent.futures.Future[Answer]
)
# A request's answer, one to come, or None: not taken (the connection goes to aiohttp).
Handler = Callable[[FrontRequest], "Reply | None"]


@dataclass(frozen=True)
class FrontRoute:
    prefix: bytes  # the request line starts with this ("POST /2015-03-31/functions/")
    handle: Handler
    max_body: int
    # What an exception from `handle` or its answer to come answers (the route's error
    # answer; for a bug, its ServiceException, logged).
    failed: Callable[[Exception], Answer]


class Front(asyncio.Protocol):
    def __init__(
        self,
        fallback: Callable[[], asyncio.BaseProtocol],
        routes: tuple[FrontRoute, ...],
        connections: set[Front],
        idle_timeout: float = KEEP_ALIVE_S,
    ) -> None:
        self._fallback = fallback
        self._routes = routes
        self._connections = connections
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiting = False  # an answer is to come: no further request is taken until then
        self._paused = False  # reading paused: a pipelining client waits for that answer
        self._head: _Head | None = None  # a request's head whose body is still to come
        self._task: asyncio.Future[None] | None = None  # a coroutine's answer, to come
        # Closes the connection when the client keeps it waiting idle_timeout: for its next
        # request's head, a body's next bytes, or taking its answers.
        self._client = ClientWait(idle_timeout)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._connections.add(self)
        self._client.start(self._transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._client.lost()
        self._connections.discard(self)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._waiting and not self._client.blocked:
            self._serve()
        elif len(self._buffer) > MAX_HEAD and not self._paused and self._transport is not None:
            self._paused = True  # what it sends meanwhile waits in its socket, not in memory
            self._transport.pause_reading()

    def pause_writing(self) -> None:
        self._client.pause_writing()  # no further request is served until it takes some

    def resume_writing(self) -> None:
        self._client.resume_writing()
        transport = self._transport
        if not self._waiting and transport is not None and not transport.is_closing():
            self._resume_reading()
            self._serve()

    def close(self) -> None:
        self._client.close()

    def _route(self, buffer: bytearray) -> FrontRoute | None:
        for route in self._routes:
            prefix = route.prefix
            if buffer.startswith(prefix) or prefix.startswith(buffer):
                return route
        return None

    def _serve(self) -> None:
        while (
            self._buffer
            and not self._waiting
            and not self._client.blocked
            and self._transport is not None
        ):
            buffer = self._buffer
            head = self._head
            if head is None:
                head = self._read_head(buffer)
                if head is None:
                    return
            route, end, request, length, close = head
            if len(buffer) < end + length:
                self._head = head  # the body is to come: the head is not parsed again
                self._client.body()  # its next byte, within the timeout
                return
            self._head = None
            request.body = bytes(buffer[end : end + length])
            try:
                reply = route.handle(request)
            except Exception as e:
                reply = route.failed(e)
            if reply is None:
                self._hand_over()
                return
            del buffer[: end + length]
            if isinstance(reply, tuple):
                self._write(reply, close)
            else:
                self._wait_for(reply, route, close)

    def _read_head(self, buffer: bytearray) -> _Head | None:
        """The head at the buffer's start, parsed; None if it is to come or goes to aiohttp
        (then the connection is aiohttp's)."""
        route = self._route(buffer)
        if route is None:
            self._hand_over()
            return None
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > MAX_HEAD:
                self._hand_over()
            return None
        parsed = _parse_head(bytes(buffer[:end]), route.max_body)
        if parsed is None:
            self._hand_over()
            return None
        request, length, close = parsed
        return route, end + 4, request, length, close

    def _wait_for(self, reply: Reply, route: FrontRoute, close: bool) -> None:
        self._waiting = True
        self._client.answering()  # no limit while the answer is to come
        if isinstance(reply, concurrent.futures.Future):
            loop = asyncio.get_running_loop()
            reply.add_done_callback(
                lambda done: loop.call_soon_threadsafe(self._answered, done, route, close)
            )
        else:  # the task answers as it ends (no callback's turn of the loop after it)
            self._task = asyncio.ensure_future(
                self._drive(cast(Awaitable[Answer], reply), route, close)
            )

    async def _drive(self, reply: Awaitable[Answer], route: FrontRoute, close: bool) -> None:
        try:
            answer = await reply
        except asyncio.CancelledError:  # the server is stopping
            self.close()
            raise
        except Exception as e:
            answer = route.failed(e)
        finally:
            self._task = None
        self._answer_came()
        self._write(answer, close)
        self._serve()

    def _answered(
        self, done: concurrent.futures.Future[Answer], route: FrontRoute, close: bool
    ) -> None:
        self._answer_came()
        try:
            answer = done.result()
        except Exception as e:
            answer = route.failed(e)
        self._write(answer, close)
        self._serve()

    def _answer_came(self) -> None:
        self._waiting = False
        if not self._client.blocked:
            self._resume_reading()

    def _resume_reading(self) -> None:
        if self._paused:
            self._paused = False
            if self._transport is not None:
                self._transport.resume_reading()

    def _write(self, answer: Answer, close: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        status, headers, payload = answer
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}"]
        lines.extend(f"{name}: {value}" for name, value in headers.items())
        if payload and "Content-Type" not in headers:
            lines.append("Content-Type: application/json")
        if status != 204:
            lines.append(f"Content-Length: {len(payload)}")
        if "x-amzn-RequestId" not in headers:
            lines.append(f"x-amzn-RequestId: {uuid.uuid4()}")
        lines.append(_date())
        if close:
            lines.append("Connection: close")
        lines.append("\r\n")
        head = "\r\n".join(lines).encode("latin-1")
        if len(payload) > 65536:  # not copied into one buffer with the head
            transport.writelines((head, payload))
        else:
            transport.write(head + payload)
        if close:
            self._client.close()
        else:
            self._client.next_request()  # its head within the timeout

    def _hand_over(self) -> None:
        """aiohttp takes the connection from here on, with what is buffered."""
        transport = self._transport
        if transport is None:
            return
        self._connections.discard(self)
        self._transport = None
        self._client.lost()  # aiohttp keeps its own time (its keepalive_timeout)
        protocol = self._fallback()
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        buffer, self._buffer = bytes(self._buffer), bytearray()
        if buffer:
            cast(asyncio.Protocol, protocol).data_received(buffer)


_clock: list[Any] = [0, ""]


def _date() -> str:
    now = int(time.time())
    if now != _clock[0]:
        _clock[0], _clock[1] = now, "Date: " + email.utils.formatdate(now, usegmt=True)
    return cast(str, _clock[1])


# A header's name: a token (no space before its colon).
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _headers(block: str) -> dict[str, str] | None:
    """The head's header lines (names in lower case, values without the whitespace around
    them); None unless every line is a header (no folded line, no space before a colon) and
    none is repeated: anything else is aiohttp's to word. Line by line, not one regex over the
    block: a lazy value pattern cost ~5x more on SDK requests' long Authorization and
    User-Agent values."""
    headers: dict[str, str] = {}
    if not block:
        return headers
    for line in block.split("\n"):
        name, colon, value = line.partition(":")
        if not colon or _TOKEN.fullmatch(name) is None:
            return None
        name = name.lower()
        if name in headers:
            return None
        headers[name] = (value[:-1] if value.endswith("\r") else value).strip(" \t")
    return headers


def _parse_head(raw: bytes, max_body: int) -> tuple[FrontRequest, int, bool] | None:
    """A request head the front takes: the request (body to come), its body's length and
    whether the client closes; None if it goes to aiohttp."""
    request_line, _, block = raw.decode("latin-1").partition("\r\n")
    method, _, rest = request_line.partition(" ")
    target, _, version = rest.partition(" ")
    if version != "HTTP/1.1" or not target.startswith("/"):
        return None
    path, _, query = target.partition("?")
    headers = _headers(block)
    if headers is None:
        return None
    length = headers.get("content-length", "")
    if (
        not length.isdigit()
        or int(length) > max_body
        or "transfer-encoding" in headers
        or "expect" in headers
        or ".lambda-url." in headers.get("host", "")
    ):
        return None
    close = headers.get("connection", "").lower() == "close"
    return FrontRequest(method, path, query, headers, b""), int(length), close


class FrontSite(web.SockSite):
    """aiohttp's SockSite, with a Front on each connection."""

    def __init__(
        self,
        runner: web.BaseRunner,
        sock: socket.socket,
        routes: tuple[FrontRoute, ...],
        idle_timeout: float = KEEP_ALIVE_S,
        **kw: Any,
    ) -> None:
        """`idle_timeout`: how long a client may keep a connection waiting (for a request, or
        a body's next byte) before it is closed; give aiohttp's runner the same
        keepalive_timeout for the connections handed to it."""
        super().__init__(runner, sock, **kw)
        self._routes = routes
        self._idle_timeout = idle_timeout
        self._fronts: set[Front] = set()

    async def start(self) -> None:
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        fronts, routes, idle_timeout = self._fronts, self._routes, self._idle_timeout
        quiet_malformed_requests()  # aiohttp's 400s, for what is handed to it

        def front() -> Front:
            return Front(server, routes, fronts, idle_timeout)

        self._server = await asyncio.get_running_loop().create_server(
            front, sock=self._sock, backlog=self._backlog
        )

    async def stop(self) -> None:
        """Stop listening; answers still to come get the runner's shutdown timeout, as
        aiohttp's handlers do; then every front's connection is closed (aiohttp's shutdown
        closes only its own)."""
        await super().stop()
        pending = [front._task for front in self._fronts if front._task is not None]
        if pending:
            await asyncio.wait(pending, timeout=getattr(self._runner, "_shutdown_timeout", 60.0))
        for front in list(self._fronts):
            front.close()
