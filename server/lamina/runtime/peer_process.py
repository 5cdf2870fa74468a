"""Which process is at the other end of a loopback TCP connection, from Linux's /proc.

The Runtime API listens on a loopback port that every local process can reach, and any process
of the same user can read another's `AWS_LAMBDA_RUNTIME_API` from `/proc/<pid>/environ`. So the
server asks, once per connection, whether the connecting socket belongs to its own environment's
process tree: the kernel names the client socket's inode (a sock_diag netlink query for exactly
that connection, ~0.1 ms; /proc/net/tcp, which the kernel renders in full and can take tens of ms,
only where netlink is unavailable), and the tree's open descriptors are looked through for
`socket:[inode]`. A keep-alive runtime connects once, so warm invokes never pay for this.
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterable

from lamina.runtime.process_tree import descendants

_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")


def available() -> bool:
    """Whether this system lets us tell (Linux with /proc)."""
    return os.path.exists(_TABLES[0]) and os.path.isdir("/proc/self/task")


_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NO_COOKIE = 0xFFFFFFFF
_LOOPBACK = socket.inet_aton("127.0.0.1") + bytes(12)


def connection_inode(client_port: int, server_port: int) -> int | None:
    """The inode of the client's end of the loopback connection `client_port` -> `server_port`."""
    try:
        return _inode_from_netlink(client_port, server_port)
    except (OSError, AttributeError):  # no netlink here (or no AF_NETLINK at all)
        return _inode_from_proc(client_port, server_port)


def _inode_from_netlink(client_port: int, server_port: int) -> int | None:
    """One inet_diag lookup of that exact socket (linux/inet_diag.h: inet_diag_req_v2 in,
    inet_diag_msg out, whose last field is the inode)."""
    sockid = struct.pack("!HH", client_port, server_port) + _LOOPBACK + _LOOPBACK
    sockid += struct.pack("=III", 0, _NO_COOKIE, _NO_COOKIE)
    request = struct.pack("=BBBBI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF) + sockid
    header = struct.pack("=IHHII", 16 + len(request), _SOCK_DIAG_BY_FAMILY, 1, 1, 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as query:
        query.settimeout(1.0)
        query.sendto(header + request, (0, 0))
        answer = query.recv(8192)
    if len(answer) < 16 + 72 or struct.unpack_from("=H", answer, 4)[0] != _SOCK_DIAG_BY_FAMILY:
        return None  # an error message: no such connection
    inode: int = struct.unpack_from("=I", answer, 16 + 68)[0]
    return inode


def _inode_from_proc(client_port: int, server_port: int) -> int | None:
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
