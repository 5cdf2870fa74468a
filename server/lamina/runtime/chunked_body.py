"""An HTTP/1.1 chunked request body, read as it arrives: what a runtime sends when it streams
its response (`Lambda-Runtime-Function-Response-Mode: streaming`, `Transfer-Encoding:
chunked`), with the trailers that report an error raised mid-stream
(`Lambda-Runtime-Function-Error-Type`, `Lambda-Runtime-Function-Error-Body`)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable

STREAM_ERROR_TYPE = "lambda-runtime-function-error-type"  # trailers of a streamed response
STREAM_ERROR_BODY = "lambda-runtime-function-error-body"
MAX_LINE_BYTES = 8 * 1024  # a chunk-size line or a trailer


class BadChunkedBody(ValueError):
    """The body is not valid chunked encoding."""


class ChunkedBody:
    def __init__(self, max_bytes: int, on_data: Callable[[bytes], None] | None = None) -> None:
        """`on_data` hears each chunk's bytes as soon as the chunk is whole. The body keeps at
        most `max_bytes`: past that, chunks are still read, heard and counted in `size`, but not
        kept (a streamed answer past Lambda's limit fails as too large, it doesn't cut the
        runtime's connection)."""
        self.max_bytes = max_bytes
        self.on_data = on_data
        self.body = bytearray()
        self.size = 0  # every byte of every chunk, kept or not
        self.trailers: dict[str, str] = {}  # names lower-cased
        self._remaining: int | None = None  # bytes left of the current chunk
        self._in_trailers = False

    def feed(self, buffer: bytearray) -> bool:
        """Take what it can from the front of `buffer` (removing it); True once the body and
        its trailers ended. Raises BadChunkedBody."""
        while True:
            if self._in_trailers:
                line = _take_line(buffer)
                if line is None:
                    return False
                if not line:
                    return True
                name, colon, value = line.decode("latin-1").partition(":")
                if not colon:
                    raise BadChunkedBody(f"a trailer without a colon: {line[:80]!r}")
                self.trailers[name.strip().lower()] = value.strip()
                continue
            if self._remaining is None:
                line = _take_line(buffer)
                if line is None:
                    return False
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise BadChunkedBody(f"a bad chunk size: {line[:80]!r}") from None
                if size < 0:
                    raise BadChunkedBody(f"a bad chunk size: {line[:80]!r}")
                if size == 0:
                    self._in_trailers = True
                    continue
                self._remaining = size
            if len(buffer) < self._remaining + 2:
                return False
            if buffer[self._remaining : self._remaining + 2] != b"\r\n":
                raise BadChunkedBody("a chunk does not end with CRLF")
            data = bytes(buffer[: self._remaining])
            kept_all = len(self.body) == self.size  # nothing dropped yet: no gap in the body
            self.size += len(data)
            if kept_all and self.size <= self.max_bytes:
                self.body += data
            del buffer[: self._remaining + 2]
            if self.on_data is not None:
                self.on_data(data)
            self._remaining = None


def _take_line(buffer: bytearray) -> bytes | None:
    end = buffer.find(b"\r\n")
    if end < 0:
        if len(buffer) > MAX_LINE_BYTES:
            raise BadChunkedBody("a line longer than 8 KB")
        return None
    line = bytes(buffer[:end])
    del buffer[: end + 2]
    return line


def streamed_error(headers: dict[str, str]) -> bytes:
    """The error JSON a streaming runtime reports in its trailers: the error body is base64
    of the error JSON (as Lambda's runtimes send it), else just the type."""
    error_type = headers.get(STREAM_ERROR_TYPE, "") or "Runtime.StreamError"
    encoded = headers.get(STREAM_ERROR_BODY, "")
    try:
        decoded = base64.b64decode(encoded, validate=True)
        if isinstance(json.loads(decoded), dict):
            return decoded
    except (ValueError, binascii.Error):
        pass
    return json.dumps({"errorType": error_type, "errorMessage": ""}).encode()
