"""Slow and hostile clients over raw sockets, for the HTTP fronts' tests (`lamina serve`'s in
tests/emulator/test_front_idle.py, `lamina api`'s in tests/gateway/test_api_slow_clients.py).
Every wait is bounded by BOUND_S, far beyond the short --keep-alive those servers run with and
far below the default (75 s): a front that doesn't close fails, one that does passes however
loaded the machine is."""

from __future__ import annotations

import select
import socket
import time

BOUND_S = 30.0


def connect(port: int, receive_buffer: int | None = None) -> socket.socket:
    """A connection to 127.0.0.1:port; `receive_buffer` caps what the client's kernel takes in
    for it (so that a large answer it doesn't read stays in the server's buffers)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(BOUND_S)
    sock.connect(("127.0.0.1", port))
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closes the socket (rather than answering) within the socket's
    timeout."""
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def aborted_by_server(sock: socket.socket) -> bool:
    """Whether the server resets the connection within BOUND_S, while the client reads nothing
    of what it was sent (poll for an error or hang-up only: the answer waiting to be read does
    not wake it)."""
    poller = select.poll()
    poller.register(sock, select.POLLERR | select.POLLHUP)
    return bool(poller.poll(BOUND_S * 1000))


def trickle_head(sock: socket.socket, request_line: bytes, every: float) -> int | None:
    """Send a head that never ends, a header line each `every` seconds (less than the timeout,
    so that each line would move an idle timer on); the number of lines sent once the server
    closed, or None if it kept the connection for BOUND_S."""
    sock.sendall(request_line + b"\r\nHost: 127.0.0.1\r\n")
    sock.settimeout(every)
    deadline = time.monotonic() + BOUND_S
    line = 0
    while time.monotonic() < deadline:
        try:
            sock.sendall(b"X-Slow-%d: 1\r\n" % line)
        except (BrokenPipeError, ConnectionResetError):
            return line
        line += 1
        if closed_by_server(sock):
            return line
    return None


def read_slowly(sock: socket.socket, piece: int, pause: float) -> tuple[bytes, bytes]:
    """One answer (head, body by its Content-Length), read `piece` bytes at a time with a
    `pause` after each: a slow but steady reader."""
    sock.settimeout(BOUND_S)
    data = b""
    while b"\r\n\r\n" not in data:
        got = sock.recv(piece)
        assert got, f"closed before the head's end: {data[:200]!r}"
        data += got
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        time.sleep(pause)
        got = sock.recv(piece)
        assert got, f"cut after {len(body)} of {length} bytes"
        body += got
    return head, body
