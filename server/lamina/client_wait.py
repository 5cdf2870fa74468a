"""How long a front connection may keep the server waiting for its client (lamina/http_front.py
for `lamina serve`, gateway/plain_http.py for `lamina api`): one rule for both.

- A request's head: the client has the timeout, from the wait's start (the connection's, or the
  last answer's), to send all of it. Its bytes do not move the deadline on: a head trickled a
  byte at a time (slowloris) cannot hold the connection, nor its memory.
- A body: the timeout for each next piece (a large upload on a slow link keeps coming).
- An answer being made: no limit (an invoke may run for minutes).
- The client taking the answers: the connection is aborted once it has taken nothing for the
  timeout while the server has bytes for it (writing paused, or a close waiting for them). A
  client that reads slowly but steadily is not cut; one that never reads is.

One loop timer a connection (runtime/deadline.py's, moved on only when it fires): a request
costs a clock read, not a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import socket
import struct
import termios
import time

from lamina.runtime.deadline import Deadline

_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() resets the connection


def unsent(transport: asyncio.Transport) -> int:
    """The bytes the client has not yet taken: in the transport's buffer and, on Linux, in the
    socket's send queue (sent but not acknowledged, or not sent). The queue counts each read of
    the client's as progress (the transport's buffer only shrinks once the kernel's send buffer
    has room for a third of it)."""
    pending = transport.get_write_buffer_size()
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            queued = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
            pending += int.from_bytes(queued, "little")
        except (OSError, ValueError):
            pass  # closed, or not a TCP socket: the transport's buffer alone
    return pending


def abort(transport: asyncio.Transport) -> None:
    """End the connection at once: what the client was not sent is dropped, the transport's
    and the kernel's (a reset: a plain close would leave the kernel sending it for minutes)."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
    transport.abort()


class ClientWait:
    """One connection's waits for its client, by the rule above: the front says where the
    connection is (a request to come, a body, an answer owed, writing paused, closing)."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._deadline = Deadline()
        self._transport: asyncio.Transport | None = None
        self._answering = True  # no limit while the server owes an answer
        # Writing paused: the client isn't taking what it was sent (the fronts serve no
        # further request meanwhile). Read-only outside.
        self.blocked = False
        self._closing = False
        self._unsent = 0  # what the client had not taken at the last look

    def start(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self.next_request()

    def next_request(self) -> None:
        """The connection's start, or an answer is out: the client has the timeout to send the
        next request's whole head (the front does not call this again as its bytes come)."""
        self._answering = False
        self._arm()

    def body(self) -> None:
        """A body's next bytes are to come (each piece moves the deadline on)."""
        self._answering = False
        self._arm()

    def answering(self) -> None:
        """The server owes the client an answer: no limit."""
        self._answering = True
        if not self.blocked and not self._closing:
            self._deadline.cancel()

    def pause_writing(self) -> None:
        """The transport's buffer is full: from now on, the client must keep taking it."""
        if not self.blocked and not self._closing:
            self.blocked = True
            self._watch()

    def resume_writing(self) -> None:
        if self.blocked and not self._closing:
            self.blocked = False
            if self._answering:
                self._deadline.cancel()
            else:
                self._arm()  # the wait for the client's bytes starts again

    def close(self) -> None:
        """Close the connection once the client has what it was sent; abort it if it stops
        taking that for the timeout (a plain close would wait for it forever)."""
        transport = self._transport
        if transport is None or self._closing:
            return
        self._closing = True
        transport.close()
        if transport.get_write_buffer_size() > 0:
            if self.blocked:
                return  # already watched
            self._watch()
        else:
            self._deadline.close()

    def lost(self) -> None:
        self._transport = None
        self._deadline.close()

    def _arm(self) -> None:
        if not self.blocked and not self._closing:
            self._deadline.arm(time.perf_counter() + self._timeout, self.close)

    def _watch(self) -> None:
        if self._transport is None:
            return
        self._unsent = unsent(self._transport)
        self._deadline.arm(time.perf_counter() + self._timeout, self._look)

    def _look(self) -> None:
        """A timeout has passed with bytes for the client: aborted unless it took some."""
        transport = self._transport
        if transport is None or not (self.blocked or self._closing):
            return
        now = unsent(transport)
        if now and now >= self._unsent:
            abort(transport)
            return
        self._unsent = now
        self._deadline.arm(time.perf_counter() + self._timeout, self._look)
