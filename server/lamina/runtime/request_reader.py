"""An HTTP/1.1 request reader for the Runtime API's connections: takes whole requests out of the
bytes a connection has received, a head, then a body by Content-Length or chunked (a streamed
response, see chunked_body). A request the server can't take raises BadRequest. Also the bytes of
an answer (`response`)."""

from __future__ import annotations

import json
from collections.abc import Callable

from lamina.runtime.chunked_body import BadChunkedBody, ChunkedBody
from lamina.runtime.sandbox_errors import MAX_STREAMED_BYTES

# A runtime may post any size; we read up to this and refuse larger bodies without reading them.
MAX_BODY_BYTES = 64 * 1024 * 1024
# awslambdaric sends an X-Ray error header of up to 1 MB with each error.
MAX_HEAD_BYTES = 4 * 1024 * 1024
_CHUNKED = -2  # the head's length for a Transfer-Encoding: chunked body

Request = tuple[str, str, dict[str, str], bytes]  # method, path, headers (lower-cased), body
# Where a chunked body's chunks go as they come, by the request's path (None: nowhere).
StreamSink = Callable[[str], Callable[[bytes], None] | None]


class BadRequest(Exception):
    """The request can't be taken: answer `status` with `body` (if any) and end the connection."""

    def __init__(self, status: int = 0, error_type: str = "", message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = error_json(error_type, message).encode() if status else b""


class RequestReader:
    def __init__(self, stream_sink: StreamSink) -> None:
        self.buffer = bytearray()  # what the connection received and no request took yet
        self._stream_sink = stream_sink
        self._scanned = 0  # where to resume looking for the end of the head
        self._head: tuple[str, str, dict[str, str], int] | None = None  # waiting for its body
        self._chunked: ChunkedBody | None = None  # the chunked body being read
        # The last head without a body, parsed: a runtime's `/next` comes with the same head
        # every time, and is taken again from here (its headers copied) without parsing.
        self._bodiless: tuple[str, str, str, dict[str, str]] = ("", "", "", {})

    def take(self) -> Request | None:
        """The next complete request in the buffer, if there is one."""
        buffer = self.buffer
        if self._head is None:
            if not buffer:
                return None
            end = buffer.find(b"\r\n\r\n", self._scanned)
            if end < 0:
                if len(buffer) > MAX_HEAD_BYTES:
                    raise BadRequest()  # no answer: the head never ends
                self._scanned = max(0, len(buffer) - 3)
                return None
            text = buffer[:end].decode("latin-1")
            del buffer[: end + 4]
            self._scanned = 0
            known, method, path, headers = self._bodiless
            if text == known:
                return method, path, headers.copy(), b""
            method, path, headers, length = self._head = self._read_head(text)
            if not length:
                self._head = None
                self._bodiless = text, method, path, headers.copy()
                return method, path, headers, b""
        method, path, headers, length = self._head
        if length == _CHUNKED:
            return self._take_chunked(method, path, headers)
        if len(buffer) < length:
            return None
        self._head = None
        if not length:
            return method, path, headers, b""
        body = bytes(buffer[:length])
        del buffer[:length]
        return method, path, headers, body

    def _read_head(self, text: str) -> tuple[str, str, dict[str, str], int]:
        request_line, _, fields = text.partition("\r\n")
        method, _, target = request_line.partition(" ")
        path = target.partition(" ")[0]
        headers: dict[str, str] = {}
        if fields:
            for line in fields.split("\r\n"):
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        try:
            length = int(headers.get("content-length", "0") or 0)
        except ValueError:
            length = -1
        if length < 0:
            raise BadRequest(400, "InvalidRequest", "Bad Content-Length")
        if length > MAX_BODY_BYTES:
            raise BadRequest(413, "RequestEntityTooLarge", "Payload too large")
        encoding = headers.get("transfer-encoding")
        if encoding is not None and "chunked" in encoding.lower():
            length = _CHUNKED  # a streamed response: see chunked_body
            # A streamed answer is kept up to Lambda's limit (one byte more marks it too large).
            self._chunked = ChunkedBody(MAX_STREAMED_BYTES + 1, self._stream_sink(path))
        return method, path, headers, length

    def _take_chunked(self, method: str, path: str, headers: dict[str, str]) -> Request | None:
        """A chunked body, once whole; its trailers join the headers."""
        assert self._chunked is not None
        try:
            if not self._chunked.feed(self.buffer):
                return None
        except BadChunkedBody as e:
            raise BadRequest(400, "InvalidRequest", str(e)) from None
        chunked, self._chunked, self._head = self._chunked, None, None
        return method, path, {**headers, **chunked.trailers}, bytes(chunked.body)


def error_json(error_type: str, message: str) -> str:
    return json.dumps({"errorType": error_type, "errorMessage": message})


_REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}
_REASONS |= {409: "Conflict", 413: "Payload Too Large", 500: "Internal Server Error"}


def response(status: int, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    """An answer's bytes, head and body together (sent in one write)."""
    status_line = _STATUS_LINES.get(status) or f"HTTP/1.1 {status} Unknown\r\n"
    if headers:  # name: value lines, joined in C
        fields = "\r\n".join(map(": ".join, headers.items()))
    else:
        fields = "Content-Type: application/json"
    head = f"{status_line}Content-Length: {len(body)}\r\n{fields}\r\n\r\n"
    return head.encode("latin-1") + body


_STATUS_LINES = {status: f"HTTP/1.1 {status} {reason}\r\n" for status, reason in _REASONS.items()}
