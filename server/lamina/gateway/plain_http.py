"""lamina api's listener: plain HTTP/1.x requests straight to the gateway, the rest to aiohttp.

aiohttp's request machinery (its Request and Response objects, the router, the writer) cost
about 190 µs of CPU a request on the bench machine, more than the gateway and the route's
event together, and lamina api's loop serves every client and every environment on one core.
This protocol reads the common request (a request line, headers, a Content-Length body) itself
and writes the answer in one send; it also serves the WebSocket APIs' HTTPS listener, where
handlers' @connections calls arrive. Anything else is handed to aiohttp on the same connection,
before a byte of it is answered: WebSocket upgrades and sockets (`to_aiohttp`), chunked or
`Expect: 100-continue` request bodies, a body over aiohttp's limit (its 413), and whatever looks
malformed (its 400). A connection handed over stays with aiohttp.

A client has the keep-alive timeout to send a request's whole head (a head trickled in a byte at
a time does not move it on), and each next piece of a body; one that stops taking its answers
is aborted after as long without progress (lamina/client_wait.py's rule, `lamina serve`'s too).

The answer's framing is this layer's: the function's own Content-Length, Transfer-Encoding and
Connection headers are replaced (a wrong Content-Length would hang the client), as API Gateway
does. Date is added where absent, and Content-Type application/octet-stream where a body has
none (as aiohttp did).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from email.utils import formatdate
from http import HTTPStatus
from ssl import SSLContext
from typing import cast

from aiohttp import web

from lamina.bad_requests import quiet_malformed_requests
from lamina.client_wait import ClientWait
from lamina.gateway.http_types import HttpRequest, HttpResponse
from lamina.http_front import KEEP_ALIVE_S

log = logging.getLogger("lamina.gateway")

Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]

MAX_HEAD_BYTES = 64 * 1024  # beyond: aiohttp's answer (431/400)
_REASONS = {s.value: s.phrase for s in HTTPStatus}
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})
# A head's header lines (each ended by CRLF here), a name and its value without the blanks
# around it; and the names that frame a body or change the protocol (all but Content-Length are
# left to aiohttp).
_TOKEN = r"[-!#$%&'*+.^_`|~0-9A-Za-z]+"
_HEADER_BLOCK = re.compile(rf"(?:{_TOKEN}:[^\r\n]*\r\n)*")
_HEADER_LINE = re.compile(rf"({_TOKEN}):[ \t]*([^\r\n]*?)[ \t]*\r\n")
_FRAMING_NAME = re.compile(
    r"^(content-length|transfer-encoding|expect|upgrade):", re.IGNORECASE | re.MULTILINE
)
_NO_BODY = frozenset({204, 304})

_date: tuple[int, str] = (0, "")


def http_date() -> str:
    """The Date header's value (made once a second)."""
    global _date
    now = int(time.time())
    if _date[0] != now:
        _date = (now, formatdate(now, usegmt=True))
    return _date[1]


def _content_length(headers: list[tuple[str, str]]) -> int:
    """The one Content-Length's value; -1 when it is not a number or given twice."""
    values = [value for name, value in headers if name.lower() == "content-length"]
    if len(values) != 1 or not values[0].isdigit() or not values[0].isascii():
        return -1
    return int(values[0])


def response_bytes(answer: HttpResponse, version: str, head_only: bool, streamed: bool) -> bytes:
    """The status line and headers (and the body, unless streamed or HEAD). A streamed body is
    sent chunked to HTTP/1.1 clients, and until the connection closes to HTTP/1.0 ones."""
    status = answer.status
    lines = [f"{version} {status} {_REASONS.get(status, '')}"]
    has_type = has_date = False
    for name, value in answer.headers:
        lower = name.lower()
        if lower in _FRAMING:
            continue
        has_type = has_type or lower == "content-type"
        has_date = has_date or lower == "date"
        lines.append(f"{name}: {value}")
    no_body = status in _NO_BODY or status < 200
    if streamed:
        if version != "HTTP/1.0":
            lines.append("Transfer-Encoding: chunked")
    elif not no_body:
        lines.append(f"Content-Length: {len(answer.body)}")
    if not has_type and not no_body and (streamed or answer.body):
        lines.append("Content-Type: application/octet-stream")
    if not has_date:
        lines.append(f"Date: {http_date()}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    if head_only or streamed or no_body:
        return head
    return head + answer.body


class PlainHttp(asyncio.Protocol):
    """One client connection: requests one at a time, in order (pipelined ones wait)."""

    def __init__(
        self,
        handle: Handler,
        aiohttp_server: web.Server,
        to_aiohttp: Callable[[str], bool],
        max_body: int,
        connections: set[PlainHttp],
        keep_alive_s: float = KEEP_ALIVE_S,
    ) -> None:
        self._handle = handle
        self._aiohttp = aiohttp_server
        self._to_aiohttp = to_aiohttp
        self._max_body = max_body
        self._connections = connections
        self._buffer = bytearray()
        self._busy = False
        self._paused = False
        self._closed = False
        self._peer = "127.0.0.1"
        self._drained: asyncio.Future[None] | None = None
        self._loop = asyncio.get_running_loop()
        # How long the client may keep the connection waiting (for its bytes, or to take ours).
        self._client = ClientWait(keep_alive_s)
        self.transport: asyncio.Transport | None = None

    # --- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        tcp = cast(asyncio.Transport, transport)  # a TCP transport (uvloop's too)
        self.transport = tcp
        peer = transport.get_extra_info("peername")
        if peer:
            self._peer = peer[0]
        self._connections.add(self)
        self._client.start(tcp)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._client.lost()
        self._connections.discard(self)
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._busy and not self._client.blocked:
            self._next()
        elif len(self._buffer) > MAX_HEAD_BYTES and not self._paused:
            self._paused = True  # a pipelining client waits until this answer is out
            assert self.transport is not None
            self.transport.pause_reading()

    def pause_writing(self) -> None:
        if self._drained is None or self._drained.done():
            self._drained = asyncio.get_running_loop().create_future()
        self._client.pause_writing()  # no further request is started until it takes some

    def resume_writing(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._client.resume_writing()
        transport = self.transport
        if not self._busy and transport is not None and not transport.is_closing():
            self._resume_reading()
            self._next()

    def close(self) -> None:
        self._client.close()

    def _resume_reading(self) -> None:
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()

    # --- requests --------------------------------------------------------------------------

    def _next(self) -> None:
        """Start the next whole request in the buffer, if there is one."""
        buffer = self._buffer
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > MAX_HEAD_BYTES or b"\n\n" in buffer:
                self._hand_off()  # too long, or lines ended by a bare LF
            return  # (its bytes don't move the head's deadline on)
        parsed = self._parse(bytes(buffer[:end]))
        if parsed is None:
            self._hand_off()
            return
        method, target, version, headers, length = parsed
        if len(buffer) < end + 4 + length:
            self._client.body()
            return  # the body is still coming
        body = bytes(buffer[end + 4 : end + 4 + length])
        del buffer[: end + 4 + length]
        path, _, query = target.partition("?")
        request = HttpRequest(method, path, query, headers, body, self._peer, version)
        self._busy = True
        self._client.answering()
        self._loop.create_task(self._answer(request))

    def _parse(self, head: bytes) -> tuple[str, str, str, list[tuple[str, str]], int] | None:
        """(method, target, version, headers, body length), or None for aiohttp to answer."""
        text = head.decode("latin-1")
        request_line, _, block = text.partition("\r\n")
        parts = request_line.split(" ")
        if len(parts) != 3 or parts[2] not in ("HTTP/1.1", "HTTP/1.0"):
            return None
        method, target, version = parts
        if not method.isalpha() or not method.isupper() or not target.startswith("/"):
            return None
        headers: list[tuple[str, str]] = []
        length = 0
        if block:
            block += "\r\n"
            # malformed lines, obsolete line folding (a line starting blank), a bare CR or LF:
            if _HEADER_BLOCK.fullmatch(block) is None:
                return None
            headers = _HEADER_LINE.findall(block)
            framing = _FRAMING_NAME.findall(block)
            if framing:
                if any(name.lower() != "content-length" for name in framing):
                    return None  # Transfer-Encoding, Expect, Upgrade
                length = _content_length(headers)
                if length < 0:
                    return None  # not a number, or two of them
        if length > self._max_body or self._to_aiohttp(target.partition("?")[0]):
            return None
        return method, target, version, headers, length

    def _hand_off(self) -> None:
        """The rest of this connection is aiohttp's (from the request not yet answered)."""
        transport = self.transport
        if transport is None or self._closed:
            return
        self._connections.discard(self)
        self._client.lost()  # aiohttp keeps its own time
        handler = self._aiohttp()
        transport.set_protocol(handler)
        handler.connection_made(transport)
        if self._paused:
            transport.resume_reading()
        data, self._buffer = bytes(self._buffer), bytearray()
        handler.data_received(data)

    async def _answer(self, request: HttpRequest) -> None:
        keep_alive = self._keep_alive(request)
        try:
            answer = await self._handle(request)
        except Exception:  # as aiohttp: a 500, and the server goes on
            log.exception("lamina api: %s %s failed", request.method, request.path)
            answer = HttpResponse(500, [("Content-Type", "text/plain")], b"500 Internal Error")
            keep_alive = False
        try:
            keep_alive = await self._send(answer, request) and keep_alive
        except Exception:  # a stream that failed part-way: the client sees it cut short
            log.exception("lamina api: %s %s: the answer failed", request.method, request.path)
            keep_alive = False
        if self._closed or self.transport is None:
            return
        if not keep_alive:
            self._client.close()
            return
        self._busy = False
        self._client.next_request()
        if self._client.blocked:
            return  # the next request waits until the client takes this answer
        self._resume_reading()
        self._next()

    @staticmethod
    def _keep_alive(request: HttpRequest) -> bool:
        connection = (request.header("connection") or "").lower()
        if request.protocol == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection

    async def _send(self, answer: HttpResponse, request: HttpRequest) -> bool:
        """Write the answer; False when the connection can't be kept (an HTTP/1.0 stream ends
        with it)."""
        transport = self.transport
        if self._closed or transport is None:
            return False
        head_only = request.method == "HEAD"
        streamed = answer.stream is not None and not head_only
        transport.write(response_bytes(answer, request.protocol, head_only, streamed))
        if not streamed:
            return True
        assert answer.stream is not None
        chunked = request.protocol != "HTTP/1.0"
        stream = answer.stream
        async for piece in stream:
            if self._closed:  # the client went away: the stream hears it now, not at GC
                if isinstance(stream, AsyncGenerator):
                    await stream.aclose()
                return False
            if piece:
                transport.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if self._drained is not None and not self._drained.done():
                await self._drained
        if chunked and not self._closed:
            transport.write(b"0\r\n\r\n")
        return chunked


class PlainListener:
    """The plain HTTP listener: PlainHttp connections, aiohttp's `server` behind them."""

    def __init__(self, server: asyncio.Server, connections: set[PlainHttp]) -> None:
        self._server = server
        self._connections = connections

    @property
    def port(self) -> int:
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def close(self) -> None:
        """Stop listening and close the connections still this layer's (aiohttp closes those
        it took over)."""
        self._server.close()
        for connection in list(self._connections):
            connection.close()
        await self._server.wait_closed()


async def listen_plain(
    handle: Handler,
    aiohttp_server: web.Server,
    to_aiohttp: Callable[[str], bool],
    host: str,
    port: int,
    max_body: int,
    ssl: SSLContext | None = None,
    keep_alive_s: float = KEEP_ALIVE_S,
) -> PlainListener:
    """Listen on host:port (with TLS given `ssl`); `to_aiohttp(path)` names the paths aiohttp's
    own routes serve; `keep_alive_s`: how long a client may keep a connection waiting (give
    aiohttp's runner the same keepalive_timeout for the connections handed to it)."""
    connections: set[PlainHttp] = set()
    quiet_malformed_requests()  # aiohttp's 400s, for what is handed to it
    server = await asyncio.get_running_loop().create_server(
        lambda: PlainHttp(handle, aiohttp_server, to_aiohttp, max_body, connections, keep_alive_s),
        host,
        port,
        reuse_address=True,
        ssl=ssl,
    )
    return PlainListener(server, connections)
