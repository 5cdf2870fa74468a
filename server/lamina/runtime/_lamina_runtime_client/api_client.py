"""The Runtime API client: one keep-alive connection, each request sent in a single write."""

from __future__ import annotations

import _socket
import os

from .marshalling import to_json

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

API_PREFIX = "/2018-06-01/runtime"
# The 202 with which Lamina's Runtime API server takes a result (request_reader.response).
_ACCEPTED = (
    b"HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\nContent-Type: application/json\r\n\r\n"
    b'{"status":"OK"}'
)


class RuntimeApiClient:
    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.address = (host or "127.0.0.1", int(port))
        self.sock: _socket.socket | None = None
        self.buffer = b""
        # An invocation's result, held back to go out with the next request (see post_response).
        self.held = b""

    def _connect(self) -> _socket.socket:
        sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        sock.connect(self.address)
        self.sock = sock
        self.buffer = b""
        return sock

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request and return (status, headers, body). Reconnects once if needed.
        A held-back result goes out first, in the same write (HTTP/1.1 pipelining), and its
        answer is read and dropped."""
        return self.send(encode_request(method, path, body, headers))

    def send(self, request: bytes) -> tuple[int, dict[str, str], bytes]:
        """`request`'s bytes (after any held-back result), as `request` sends them."""
        held, self.held = self.held, b""
        data = held + request
        for attempt in (0, 1):
            sock = self.sock if self.sock is not None else self._connect()
            try:
                sock.sendall(data)
                if held:
                    self._skip_response(sock)
                return self._read_response(sock)
            except OSError:
                self.sock = None
                if attempt:
                    raise
        raise OSError("unreachable")

    def _read_head(self, sock: _socket.socket) -> bytes:
        """The next response's head (without its blank line); the buffer keeps what follows."""
        buf = self.buffer
        end = buf.find(b"\r\n\r\n")
        while end < 0:
            chunk = sock.recv(65536)
            if not chunk:
                raise OSError("Runtime API closed the connection")
            buf += chunk
            end = buf.find(b"\r\n\r\n", max(0, len(buf) - len(chunk) - 3))
        self.buffer = buf[end + 4 :]
        return buf[:end]

    def _read_body(self, sock: _socket.socket, length: int) -> bytes:
        buf = self.buffer
        while len(buf) < length:
            chunk = sock.recv(max(65536, length - len(buf)))
            if not chunk:
                raise OSError("Runtime API closed the connection")
            buf += chunk
        self.buffer = buf[length:]
        return buf[:length]

    def _read_response(self, sock: _socket.socket) -> tuple[int, dict[str, str], bytes]:
        head = self._read_head(sock)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:  # (a loop beats map/zip in C for a few short lines)
            name, _, value = line.partition(":")
            headers[name.lower()] = value.strip()  # Lamina's server puts no space before ":"
        length = int(headers.get("content-length", "0"))
        return status, headers, self._read_body(sock, length)

    def _skip_response(self, sock: _socket.socket) -> None:
        """Read a response whose content is not looked at (a held-back result's 202): Lamina's
        own 202 is known by its bytes; any other has only its length parsed."""
        if not self.buffer:
            self.buffer = sock.recv(65536)
        if self.buffer.startswith(_ACCEPTED):
            self.buffer = self.buffer[len(_ACCEPTED) :]
            return
        head = self._read_head(sock)
        at = head.lower().find(b"\r\ncontent-length:")
        if at >= 0:
            end = head.find(b"\r\n", at + 2)
            self._read_body(sock, int(head[at + 17 : end if end >= 0 else len(head)]))

    def next_invocation(self) -> tuple[dict[str, str], bytes]:
        status, headers, body = self.send(_NEXT_REQUEST)
        if status != 200:
            raise OSError(f"Runtime API /next answered {status}")
        return headers, body

    def post_response(self, request_id: str, body: bytes, content_type: str) -> None:
        """The result is held back and sent with the `/next` that follows at once, in one write:
        nothing here depends on its answer, and the runtime doesn't wake up once more for it."""
        # encode_request's bytes, made in one step
        self.held = (
            f"POST {API_PREFIX}/invocation/{request_id}/response HTTP/1.1\r\nHost: lambda\r\n"
            f"Content-Length: {len(body)}\r\nContent-Type: {content_type}\r\n\r\n"
        ).encode("latin-1") + body

    def post_error(
        self, request_id: str, error: dict[str, Any], xray_fault: dict[str, Any]
    ) -> None:
        """Held back like a response."""
        headers = {"Content-Type": "application/json"}
        xray = to_json(xray_fault)
        if len(xray) < 1024 * 1024 and "\n" not in xray:
            headers["Lambda-Runtime-Function-XRay-Error-Cause"] = xray
        self.held = encode_request(
            "POST", f"/invocation/{request_id}/error", to_json(error).encode(), headers
        )

    def post_init_error(self, error: dict[str, Any]) -> None:
        status, _, body = self.request(
            "POST",
            "/init/error",
            to_json(error).encode(),
            {"Lambda-Runtime-Function-Error-Type": error["errorType"]},
        )
        # 403 to a Managed Instances worker: another worker posted the init error first (as
        # awslambdaric 4's LambdaMultiConcurrentRuntimeClient takes it).
        if status == 403 and os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY"):
            return
        if status != 202:
            raise OSError(f"Runtime API /init/error answered {status}: {body!r}")


def encode_request(
    method: str, path: str, body: bytes, headers: dict[str, str] | None = None
) -> bytes:
    head = f"{method} {API_PREFIX}{path} HTTP/1.1\r\nHost: lambda\r\n"
    if body or method != "GET":  # a GET has no body: no length to say (one header less to parse)
        head += f"Content-Length: {len(body)}\r\n"
    if headers:
        for name, value in headers.items():
            head += f"{name}: {value}\r\n"
    return head.encode("latin-1") + b"\r\n" + body


_NEXT_REQUEST = encode_request("GET", "/invocation/next", b"")
