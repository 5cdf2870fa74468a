"""Which debug environments of this checkout are alive, read from /proc (Linux)."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from lamina.runtime.debug import LAUNCHER


def live_launchers() -> dict[int, int]:
    """pid -> ppid of every living debug_launcher.py of this checkout (zombies are not alive)."""
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if str(LAUNCHER).encode() not in (entry / "cmdline").read_bytes():
                continue
            # the command may hold spaces and parentheses: fields start after the last ')'
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if fields[0] != "Z":
            found[int(entry.name)] = int(fields[1])
    return found


def wait_gone(pids: set[int], seconds: float = 15) -> set[int]:
    """The pids among `pids` still alive after up to `seconds`."""
    deadline = time.monotonic() + seconds
    while (alive := pids & set(live_launchers())) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def kill_all(pids: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, 9)
