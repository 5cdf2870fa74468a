"""Which process is at the other end of a loopback TCP connection, from Linux's /proc.

The Runtime API listens on a loopback port that every local process can reach, and any process
of the same user can read another's `AWS_LAMBDA_RUNTIME_API` from `/proc/<pid>/environ`. So the
server asks, once per connection, whether the connecting socket belongs to its own environment's
process tree: the socket's inode comes from /proc/net/tcp (matched on both ports), and the tree's
open descriptors are looked through for `socket:[inode]`. A keep-alive runtime connects once, so
warm invokes never pay for this.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from lamina.runtime.process_tree import descendants

_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")


def available() -> bool:
    """Whether this system lets us tell (Linux with /proc)."""
    return os.path.exists(_TABLES[0]) and os.path.isdir("/proc/self/task")


def connection_inode(client_port: int, server_port: int) -> int | None:
    """The inode of the client's end of the connection `client_port` -> `server_port`."""
    local = f":{client_port:04X}"
    remote = f":{server_port:04X}"
    for table in _TABLES:
        try:
            with open(table, encoding="ascii") as lines:
                next(lines, None)  # the header
                for line in lines:
                    fields = line.split()
                    if len(fields) > 9 and fields[1].endswith(local) and fields[2].endswith(remote):
                        return int(fields[9])
        except OSError:
            continue
    return None


def owner_among(pids: Iterable[int], inode: int) -> int | None:
    """The first of `pids` that holds the socket `inode` open."""
    wanted = f"socket:[{inode}]"
    for pid in pids:
        folder = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(folder)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"{folder}/{fd}") == wanted:
                    return pid
            except OSError:
                continue
    return None


def connection_from_tree(root: int, client_port: int, server_port: int) -> bool:
    """Whether the loopback connection from `client_port` to our `server_port` was made by
    `root` or one of its descendants."""
    inode = connection_inode(client_port, server_port)
    if not inode:
        return False
    return owner_among(descendants(root), inode) is not None
