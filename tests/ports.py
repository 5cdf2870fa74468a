"""Free loopback ports for servers the tests start (a module of its own: tests must not import
conftest, whose name other test folders reuse)."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
