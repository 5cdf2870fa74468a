"""Start the language server: `lamina lsp` (stdio) or `lamina lsp --tcp HOST:PORT`.

stdout is the protocol, so before anything else the protocol gets its own copy of the stdout
descriptor, and descriptor 1 is pointed at stderr: a stray print (ours, a library's, a child
process's) can't corrupt the stream. Logs go to stderr and, once a client is connected, to
the client as window/logMessage. Whatever way the server ends (exit, a dead client, SIGTERM),
every execution environment it started is killed.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
from typing import Any, BinaryIO, cast

from lsprotocol import types

from lamina.lsp.app import create_server
from lamina.lsp.server import LaminaServer

log = logging.getLogger("lamina.lsp")
_LEVELS = {
    logging.ERROR: types.MessageType.Error,
    logging.WARNING: types.MessageType.Warning,
    logging.INFO: types.MessageType.Info,
}


class ClientLogHandler(logging.Handler):
    """Lamina's log records as window/logMessage (from any thread). A record it sends is marked
    `sent_to_client`, so stderr (which editors such as VS Code show in the same log) skips it."""

    def __init__(self, server: LaminaServer) -> None:
        super().__init__(logging.INFO)
        self.server = server
        self.loop: Any = None

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self.server.protocol, "writer", None) is None:
            return
        try:
            kind = _LEVELS.get(record.levelno, types.MessageType.Log)
            message = self.format(record)
            import asyncio

            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not None:
                self.loop = running
                self.server.log_to_client(message, kind)
            elif self.loop is not None and not self.loop.is_closed():
                self.loop.call_soon_threadsafe(self.server.log_to_client, message, kind)
            else:
                return
            record.sent_to_client = True
        except Exception:  # logging must never take the server down
            self.handleError(record)


def _configure_logging(server: LaminaServer) -> None:
    root = logging.getLogger()
    root.setLevel(logging.WARNING)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root.addHandler(stderr)
    lamina = logging.getLogger("lamina")
    lamina.setLevel(logging.INFO)
    lamina.propagate = False
    to_client = ClientLogHandler(server)
    to_client.setFormatter(logging.Formatter("%(message)s"))
    lamina.addHandler(to_client)  # first: it marks what it sent
    lamina_stderr = logging.StreamHandler(sys.stderr)
    lamina_stderr.setFormatter(stderr.formatter)
    lamina_stderr.addFilter(lambda record: not getattr(record, "sent_to_client", False))
    lamina.addHandler(lamina_stderr)


def _protocol_stdout() -> BinaryIO:
    """The protocol's own stdout; descriptor 1 (and sys.stdout) now lead to stderr."""
    protocol = cast(BinaryIO, os.fdopen(os.dup(sys.stdout.fileno()), "wb"))
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    return protocol


def _parse_address(address: str) -> tuple[str, int]:
    host, separator, port = address.rpartition(":")
    if not separator or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--tcp takes HOST:PORT (e.g. 127.0.0.1:2087), not {address!r}")
    return host or "127.0.0.1", int(port)


def serve(tcp: str | None = None) -> None:
    address = _parse_address(tcp) if tcp else None
    stdin, stdout = sys.stdin.buffer, None if address else _protocol_stdout()
    server = create_server()
    _configure_logging(server)
    atexit.register(server.kill_children_now)

    def on_sigterm(signum: int, frame: Any) -> None:
        server.kill_children_now()
        os._exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    if address is not None:
        log.info("listening on %s:%d", *address)
        server.start_tcp(*address)
    else:
        server.start_io(stdin, stdout)
    server.kill_children_now()
    sys.stderr.flush()
    # pygls' stdin reader thread may still sit in a blocking read: don't wait for it.
    os._exit(0 if server.protocol.shut_down else 1)
