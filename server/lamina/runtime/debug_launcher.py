"""Child side of a debug environment: start debugpy, tell the parent its port, wait for the
editor, then run the runtime client (Lamina's bootstrap or awslambdaric) in this same process.

Run as a script, like bootstrap.py: it imports nothing from Lamina. Everything before the runtime
client starts happens before the function's module is imported, so breakpoints at module level
are hit too.
"""

from __future__ import annotations

import _socket
import errno
import json
import os
import sys
import threading
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _import_debugpy() -> Any:
    """Lamina's copy of debugpy: the interpreter runs with -S and sees no site-packages. That
    folder holds Lamina's whole virtualenv, so main() takes it off sys.path again before the
    function's code runs."""
    sys.path.append(os.environ["LAMINA_DEBUGPY_PATH"])
    import debugpy

    return debugpy


def _tell_parent(path: str, payload: dict[str, Any]) -> None:
    """One request to Lamina's own endpoint beside the Runtime API."""
    host, _, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
    body = json.dumps(payload).encode()
    head = f"POST /2018-06-01/lamina/debug/{path} HTTP/1.1\r\nHost: lambda\r\nContent-Length: {len(body)}\r\n\r\n"
    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        sock.connect((host, int(port)))
        sock.sendall(head.encode() + body)
        sock.recv(4096)
    finally:
        sock.close()


def _end_with_parent() -> None:
    """Lamina ends its debug environments when it ends, but if it is killed (SIGKILL, a crash, an
    editor that kills its server) nothing would: debugpy would wait for an editor forever, an
    orphan. Nothing else ties this process to Lamina while it waits, so watch the parent."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    watcher = threading.Thread(target=watch, name="lamina-parent-watch", daemon=True)
    watcher.is_pydev_daemon_thread = True  # type: ignore[attr-defined]  # hidden from the debugger
    watcher.start()


def _failure(error: BaseException, port: int) -> str:
    if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
        return f"port {port} is in use"
    return f"debugpy cannot listen on 127.0.0.1:{port}: {error}"


def _listen(debugpy: Any, port: int) -> int:
    """debugpy's port. debugpy binds its socket in a thread of its own and, if that fails (a port
    already in use), waits for it forever: watch that thread, tell the parent why, and end."""

    def failed(error: BaseException) -> None:
        try:
            _tell_parent("failed", {"error": _failure(error, port)})
        finally:
            os._exit(1)

    def hook(args: threading.ExceptHookArgs) -> None:
        failed(args.exc_value or RuntimeError("debugpy's server thread failed"))

    previous, threading.excepthook = threading.excepthook, hook
    try:
        # Loopback only, always: a debug port runs any code it is sent.
        # The adapter runs in this process: no second Python to start (about half a second).
        _, bound = debugpy.listen(("127.0.0.1", port), in_process_debug_adapter=True)
    except Exception as e:
        failed(e)
    finally:
        threading.excepthook = previous
    return int(bound)


def main(argv: list[str]) -> None:
    # Behind an exec wrapper both come as variables (runtime_command.py), so that the wrapper
    # sees the interpreter's command line end with this script, as on Lambda.
    client = argv[1] if len(argv) > 2 else os.environ.pop("LAMINA_RUNTIME_CLIENT", "lamina")
    handler = argv[2] if len(argv) > 2 else os.environ.get("_HANDLER", "")
    _end_with_parent()
    here = os.path.dirname(os.path.abspath(__file__))
    debugpy = _import_debugpy()
    port = _listen(debugpy, int(os.environ.get("LAMINA_DEBUG_PORT", "0")))
    _tell_parent("listening", {"port": port})
    if os.environ.get("LAMINA_DEBUG_WAIT", "1") == "1":
        debugpy.wait_for_client()
        _tell_parent("attached", {})
    folder = os.environ["LAMINA_DEBUGPY_PATH"]
    sys.path[:] = [entry for entry in sys.path if entry != folder]
    for key in ("LAMINA_DEBUG_PORT", "LAMINA_DEBUG_WAIT", "LAMINA_DEBUGPY_PATH"):
        os.environ.pop(key, None)
    import runpy

    # The bootstrap hands over to awslambdaric itself when told so after the handler.
    sys.argv = [os.path.join(here, "bootstrap.py"), handler, client]
    runpy.run_path(os.path.join(here, "bootstrap.py"), run_name="__main__")


if __name__ == "__main__":
    main(sys.argv)
