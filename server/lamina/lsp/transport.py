"""The stdio transport: strict framing on a reader thread of its own, JSON-RPC errors for bad
messages, and an exit the moment stdin ends.

pygls' own reader runs in the server's small thread pool and hands every message to the event loop
untouched: malformed JSON or a message that isn't JSON-RPC got no answer, a wrong Content-Length
swallowed the messages after it and left the session deaf while the process lived on, and the end
of stdin went unnoticed while a handler kept the loop busy. Here:

- a frame is read on a dedicated thread: headers (at most 8 KB, `Content-Length` required), then
  exactly that many bytes; a body over MAX_BODY_BYTES is read and dropped, with one log line;
- a header the stream cannot be resynchronised after (no or a bad `Content-Length`) ends the
  server with one line on stderr: a server that guesses would answer the wrong messages;
- the end of stdin ends the server from that thread, whatever the loop is doing: the messages
  read before it are handled if the loop gets to them within END_GRACE_SECONDS, then every
  environment is killed, and the exit code is 0 after `shutdown`, else 1 (as LSP says);
- on the loop, a body that is not JSON gets -32700, one that is not a JSON-RPC message -32600.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import threading
from typing import Any, BinaryIO, cast

from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter

from lamina.lsp.server import LaminaServer

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 8 * 1024
MAX_BODY_BYTES = 256 * 1024 * 1024
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
_CHUNK = 1 << 20
# After the end of stdin, how long the loop may take to handle what came before it.
END_GRACE_SECONDS = 1.0


class FramingError(Exception):
    """The stream is not LSP base protocol: nothing after this point can be trusted."""


def read_frame(stdin: BinaryIO) -> bytes | None:
    """The next message body; None at the end of input; FramingError for a bad header. A body
    over MAX_BODY_BYTES is read and dropped (returns b"")."""
    length: int | None = None
    seen = 0
    while True:
        line = stdin.readline(MAX_HEADER_BYTES + 1)
        if not line:
            return None
        seen += len(line)
        if seen > MAX_HEADER_BYTES or not line.endswith(b"\n"):
            raise FramingError("a message header is longer than 8 KB")
        text = line.strip()
        if not text:
            if length is None:
                raise FramingError("a message has no Content-Length header")
            break
        name, separator, value = text.partition(b":")
        if not separator:
            raise FramingError(f"a header line is not 'Name: value': {text[:80]!r}")
        if name.strip().lower() == b"content-length":
            value = value.strip()
            if not value.isdigit():
                raise FramingError(f"Content-Length is not a number: {value[:40]!r}")
            length = int(value)
    if length > MAX_BODY_BYTES:
        _skip(stdin, length)
        log.error(
            "a %d-byte message was dropped: at most %d bytes are read", length, MAX_BODY_BYTES
        )
        return b""
    body = stdin.read(length)
    if len(body) < length:
        return None
    return body


def _skip(stdin: BinaryIO, length: int) -> None:
    while length > 0:
        chunk = stdin.read(min(length, _CHUNK))
        if not chunk:
            return
        length -= len(chunk)


def _error(code: int, message: str, msg_id: Any = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}


def decode(server: LaminaServer, body: bytes) -> dict[str, Any] | None:
    """The message in `body`, or None after answering it with a JSON-RPC error."""
    protocol = server.protocol
    try:
        data = json.loads(body)
    except ValueError as e:  # UnicodeDecodeError is a ValueError too
        protocol._send_data(_error(PARSE_ERROR, f"Parse error: {e}"))
        return None
    msg_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(msg_id, (str, int)) or isinstance(msg_id, bool):
        msg_id = None
    if not _is_message(data):
        message = "Invalid Request: not a JSON-RPC 2.0 message"
        protocol._send_data(_error(INVALID_REQUEST, message, msg_id))
        return None
    return cast(dict[str, Any], data)


def deliver(server: LaminaServer, data: dict[str, Any]) -> None:
    """Hand one decoded message to pygls (a request whose params don't fit gets the error)."""
    protocol = server.protocol
    if "method" in data and "params" not in data:  # optional in JSON-RPC; pygls requires it
        data = {**data, "params": None}
    try:
        message = protocol.structure_message(data)
    except JsonRpcException as e:
        msg_id = data.get("id")
        if "method" in data and msg_id is not None:
            protocol._send_data(_error(e.code, e.message or "Invalid params", msg_id))
        return
    protocol.handle_message(message)


def _is_message(data: object) -> bool:
    if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
        return False
    if "method" in data:
        return isinstance(data["method"], str) and (
            "id" not in data or isinstance(data["id"], (str, int)) and data["id"] is not True
        )
    return "id" in data and ("result" in data or "error" in data)


class ClosingStdoutWriter(StdoutWriter):
    """pygls' stdout writer, that drops what is written after `exit` closed it: log lines from
    worker threads still reach the loop while it winds down, and pygls answers a failed write
    with a message about it, which fails too, each failure logged to stderr, until that pipe
    fills and the process hangs instead of exiting."""

    def __init__(self, stdout: BinaryIO) -> None:
        super().__init__(stdout)
        self.closed = False

    def close(self) -> None:
        self.closed = True
        super().close()  # type: ignore[no-untyped-call]

    def write(self, data: bytes) -> None:
        if not self.closed:
            super().write(data)


def serve_stdio(server: LaminaServer, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Serve until `exit` (then return) or the end of stdin (then end the process)."""
    server._stop_event = threading.Event()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        server.protocol.set_writer(ClosingStdoutWriter(stdout))  # on the loop: it notes it
        inbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        ended = threading.Event()
        reader = threading.Thread(
            target=_read_loop,
            args=(stdin, loop, inbox, ended, server),
            name="lamina-lsp-stdin",
            daemon=True,
        )
        reader.start()
        while (body := await inbox.get()) is not None:
            data = decode(server, body)
            if data is None:
                continue
            if data.get("method") in ("shutdown", "exit"):  # let what runs finish (a little)
                await _settle()
            deliver(server, data)
            await asyncio.sleep(0)  # one message at a time, as its handler starts
        # The end of stdin: what was read before it is handled; the reader ends the process.
        await _settle()
        ended.set()

    try:
        asyncio.run(run())
    except (KeyboardInterrupt, SystemExit, BrokenPipeError):
        pass
    finally:
        server.shutdown()


async def _settle() -> None:
    """Wait (a little) for the handlers that are running."""
    current = asyncio.current_task()
    running = [t for t in asyncio.all_tasks() if t is not current]
    if running:
        await asyncio.wait(running, timeout=END_GRACE_SECONDS)
    for _ in range(4):  # pygls answers a request from its tasks' done callbacks, a turn later
        await asyncio.sleep(0)


def _read_loop(
    stdin: BinaryIO,
    loop: asyncio.AbstractEventLoop,
    inbox: asyncio.Queue[bytes | None],
    ended: threading.Event,
    server: LaminaServer,
) -> None:
    code: int | None = None
    try:
        while (body := read_frame(stdin)) is not None:
            if body:
                loop.call_soon_threadsafe(inbox.put_nowait, body)
    except FramingError as e:
        sys.stderr.write(f"lamina lsp: {e}; the message stream cannot be trusted, exiting\n")
        code = 1
    except (OSError, ValueError) as e:
        sys.stderr.write(f"lamina lsp: cannot read the client's messages: {e}; exiting\n")
        code = 1
    try:
        loop.call_soon_threadsafe(inbox.put_nowait, None)
    except RuntimeError:
        return  # the loop is closed: `exit` came first and the server is ending
    # Never wait long on a loop that is stuck in a handler.
    ended.wait(2 * END_GRACE_SECONDS + 0.5)
    end_now(server, code if code is not None else 0 if server.protocol.shut_down else 1)


def end_now(server: LaminaServer, code: int) -> None:
    """End the process from any thread, whatever the loop is doing: the environments first."""
    try:
        server.kill_children_now()
    finally:
        sys.stderr.flush()
        os._exit(code)
