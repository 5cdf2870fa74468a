"""The process table as tests read it: is a pid still running, does anything listen on a port.
And a handler that leaves a `setsid` child behind, as a daemon would."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

# The handler records its pid and starts a child in a new session (as a daemon would), then
# sleeps: the invoke is still running when the signal comes.
HANDLER = """
import json, os, subprocess, sys, time

def handler(event, context):
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True
    )
    with open(event["pids"], "w") as f:
        json.dump({"runtime": os.getpid(), "setsid_child": child.pid}, f)
    time.sleep(60)
    return "too late"
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):  # gone before open, or between open and read
        return False


def wait_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [pid for pid in pids if alive(pid)]
        if not left:
            return []
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


def listeners_on(port: int) -> bool:
    wanted = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[1].endswith(wanted) and fields[3] == "0A":  # LISTEN
                    return True
    return False


def read_pids(path: Path, log: Callable[[], str], seconds: float = 60.0) -> dict[str, int]:
    """The pids HANDLER wrote, once it has written them (`log` explains a handler that never did)."""
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, log()
        time.sleep(0.05)
    time.sleep(0.1)  # the setsid child is started by then
    pids: dict[str, int] = json.loads(path.read_text())
    return pids
