"""Start the language server: `lamina lsp` (stdio) or `lamina lsp --tcp HOST:PORT`.

stdout is the protocol, so before anything else the protocol gets its own copy of the stdout
descriptor, and descriptor 1 is pointed at stderr: a stray print (ours, a library's, a child
process's) can't corrupt the stream. Logs go to stderr and, once a client is connected, to
the client as window/logMessage. Whatever way the server ends (exit, a dead client, SIGTERM),
every execution environment it started is killed.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import signal
import sys
from typing import Any, BinaryIO, cast

from lsprotocol import types

from lamina.listen_address import is_loopback, parse_host_port
from lamina.lsp.app import create_server
from lamina.lsp.server import LaminaServer
from lamina.lsp.transport import serve_stdio

log = logging.getLogger("lamina.lsp")
_LEVELS = {
    logging.ERROR: types.MessageType.Error,
    logging.WARNING: types.MessageType.Warning,
    logging.INFO: types.MessageType.Info,
}


class ClientLogHandler(logging.Handler):
    """Lamina's log records as window/logMessage, from any thread: a record said on another
    thread is handed to the loop that serves the client (the protocol notes it when it gets its
    writer). A record it sends is marked `sent_to_client`, so stderr (which editors such as VS
    Code show in the same log) skips it; one said before there is a client goes to stderr."""

    def __init__(self, server: LaminaServer) -> None:
        super().__init__(logging.INFO)
        self.server = server

    def emit(self, record: logging.LogRecord) -> None:
        protocol = self.server.protocol
        loop = protocol.loop
        if protocol.writer is None or loop is None or loop.is_closed():
            return
        try:
            kind = _LEVELS.get(record.levelno, types.MessageType.Log)
            message = self.format(record)
            if _running_loop() is loop:
                self.server.log_to_client(message, kind)
            else:
                try:
                    loop.call_soon_threadsafe(self.server.log_to_client, message, kind)
                except RuntimeError:  # the loop closed meanwhile: stderr has it
                    return
            record.sent_to_client = True
        except Exception:  # logging must never take the server down
            self.handleError(record)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


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


def listen_address(tcp: str, allow_remote: bool = False) -> tuple[str, int]:
    """--tcp's HOST:PORT, refused beyond loopback without --allow-remote: the server runs code
    and writes files on request."""
    host, port = parse_host_port(tcp, "--tcp")
    if not is_loopback(host):
        if not allow_remote:
            raise ValueError(
                f"refusing to listen on {host}: it is not a loopback address, and anyone who can "
                "reach it could run code on this machine. Pass --allow-remote to do it anyway."
            )
        log.warning(
            "warning: listening on %s, beyond this machine: anyone who can reach it "
            "can run code here",
            host,
        )
    return host, port


def serve(tcp: str | None = None, allow_remote: bool = False) -> None:
    address = listen_address(tcp, allow_remote) if tcp else None
    stdin, stdout = sys.stdin.buffer, None if address else _protocol_stdout()
    server = create_server()
    _configure_logging(server)
    atexit.register(server.kill_children_now)

    def on_signal(signum: int, frame: Any) -> None:
        server.kill_children_now()
        os._exit(0 if signum == signal.SIGTERM else 128 + signum)

    # SIGHUP (a closed terminal) and SIGINT end the server as SIGTERM does: no orphans.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, on_signal)
    if address is not None:
        log.info("listening on %s:%d", *address)
        server.start_tcp(*address)
    else:
        assert stdout is not None
        serve_stdio(server, stdin, stdout)
    server.kill_children_now()
    sys.stderr.flush()
    # pygls' stdin reader thread may still sit in a blocking read: don't wait for it.
    os._exit(0 if server.protocol.shut_down else 1)
