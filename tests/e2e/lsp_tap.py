"""A stdio pass-through between an editor and `lamina lsp` that writes every JSON-RPC message,
each way, to a JSON-lines file: the protocol traffic an editor e2e test asserts on.

    python lsp_tap.py LOG -- COMMAND...

Each line of LOG is {"from": "client"|"server", "message": {...}}. The tap changes nothing it
passes on, and ends when either side closes its stream."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import IO


def read_message(stream: IO[bytes]) -> bytes | None:
    """One framed message's body, or None at the end of the stream."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("ascii", "replace").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length is None:
        return None
    return stream.read(length)


def pump(source: IO[bytes], sink: IO[bytes], side: str, log: IO[str], lock: threading.Lock) -> None:
    while (body := read_message(source)) is not None:
        sink.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        sink.flush()
        with lock:
            log.write(json.dumps({"from": side, "message": json.loads(body)}) + "\n")
            log.flush()
    sink.close()


def main(argv: list[str]) -> int:
    log_path, separator, *command = argv
    assert separator == "--" and command, __doc__
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert server.stdin is not None and server.stdout is not None
    lock = threading.Lock()
    with open(log_path, "a", encoding="utf-8") as log:
        to_server = threading.Thread(
            target=pump, args=(sys.stdin.buffer, server.stdin, "client", log, lock), daemon=True
        )
        to_server.start()
        pump(server.stdout, sys.stdout.buffer, "server", log, lock)
    return server.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
