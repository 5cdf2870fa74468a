"""An environment's processes, whatever they did to get away: its tree, and ending it.

Signalling the child's process group misses a function's `setsid` children (they lead their own
group and session). So the environment's child is started as a child subreaper, which keeps even
double-forked daemons below it, and ending the environment walks the tree under the child (from
/proc, children of every thread) and kills each process in it, then the group. The child also gets
PR_SET_PDEATHSIG: if Lamina itself is killed with SIGKILL, the kernel kills the child, so nothing is
left waiting on a Runtime API that is gone. Linux only; elsewhere the process group is all we have.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable

_MAX_TREE = 4096  # more than Lambda's 1,024 processes: a runaway tree is cut off, not walked
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def descendants(root: int) -> list[int]:
    """`root` and every process below it (children of all its threads), breadth first."""
    found = [root]
    index = 0
    while index < len(found) and len(found) < _MAX_TREE:
        pid = found[index]
        index += 1
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                    found.extend(int(child) for child in f.read().split())
            except OSError:
                continue
    return found


def kill_tree(root: int) -> None:
    """SIGKILL `root`, its process group and every process below it. The tree is read first:
    once `root` is gone, its orphans are no longer found under it."""
    tree = descendants(root) if sys.platform.startswith("linux") else [root]
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(root, signal.SIGKILL)
    for pid in tree:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def child_setup() -> Callable[[], None] | None:
    """A preexec_fn that makes the new child die with this thread and keep its orphans below
    it; None where prctl is unavailable. ctypes is loaded here, in the parent, before the fork."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def setup() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the line above: follow it
            os._exit(1)

    return setup
