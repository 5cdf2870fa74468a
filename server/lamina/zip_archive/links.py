"""Where an unpacked package's symlinks lead, judged in the function's own view of the disk.

A link can only be judged once every entry of the archive exists: `x -> sub/l/../..` looks
harmless until `sub/l -> ../..` is unpacked after it. So the unpacker writes files and folders
first, then the links, and only then asks `link_destination` where each one ends, following the
whole chain the way the kernel would inside the environment, where the code is `/var/task`.

Lambda itself keeps whatever links a zip holds, and links to `/opt`, `/tmp` or `/mnt` are how
functions reach layers, scratch space and EFS. So a link is never refused for where it points;
one that leaves the code for any other place is reported, because outside a sandbox it resolves
against the host's files instead of the environment's.
"""

from __future__ import annotations

import os
import posixpath

TASK_ROOT = "/var/task"
# Paths Lambda gives every function besides its code (layers, scratch space, EFS mounts).
LAMBDA_PATHS = ("/opt", "/tmp", "/mnt")
# Linux gives up after 40 links in one lookup (ELOOP); so does this.
MAX_HOPS = 40


def link_destination(root: str, name: str) -> str | None:
    """Where the link `name` (relative to the unpacked `root`) ends, as an absolute path in the
    environment's view, following every link inside the code; None for a loop."""
    pending = [p for p in name.split("/") if p]
    done: list[str] = TASK_ROOT.strip("/").split("/")
    hops = 0
    while pending:
        part = pending.pop(0)
        if part == ".":
            continue
        if part == "..":
            if done:
                done.pop()
            continue
        done.append(part)
        virtual = "/" + "/".join(done)
        if not _in_code(virtual):
            continue  # beyond the code Lamina cannot know the environment's links
        host = os.path.join(root, *virtual[len(TASK_ROOT) + 1 :].split("/"))
        if not os.path.islink(host):
            continue
        hops += 1
        if hops > MAX_HOPS:
            return None
        target = os.readlink(host)
        done.pop()
        if target.startswith("/"):
            done = []
        pending = [p for p in target.split("/") if p] + pending
    return "/" + "/".join(done)


def leaves_the_code(destination: str) -> bool:
    """Whether a link ending at `destination` points somewhere that is neither the code nor a
    path Lambda provides."""
    return not _in_code(destination) and not any(
        destination == p or destination.startswith(p + "/") for p in LAMBDA_PATHS
    )


def _in_code(path: str) -> bool:
    return path == TASK_ROOT or path.startswith(TASK_ROOT + "/")


def describe(name: str, link: str, destination: str | None) -> str:
    """One warning line for a link that leaves the code (or loops)."""
    if destination is None:
        return f"zip entry {name!r} is a symlink loop ({link!r}); it is kept, as Lambda keeps it"
    shown = posixpath.normpath(destination)
    return (
        f"zip entry {name!r} is a symlink to {link!r}, which leaves the function's code (it "
        f"resolves to {shown} on Lambda); it is kept, as Lambda keeps it, but outside a sandbox "
        "it points at this machine's files"
    )
