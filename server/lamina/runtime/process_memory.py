"""Reading a child's state: current RSS for the limit, peak RSS for the REPORT line, and whether
it is already dying.

/proc is read directly on Linux (a few microseconds); psutil covers other systems.
"""

from __future__ import annotations

import os
import sys

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_HAS_PROC = sys.platform.startswith("linux")


def rss_bytes(pid: int) -> int:
    """Current resident set size, or 0 if the process is gone."""
    if _HAS_PROC:
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                return int(f.read().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            return 0
    import psutil

    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return 0


def peak_rss_bytes(pid: int) -> int:
    """The high-water mark of the resident set (VmHWM), or the current RSS where there is none."""
    if _HAS_PROC:
        try:
            with open(f"/proc/{pid}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"VmHWM:"):
                        return int(line.split()[1]) * 1024
        except (OSError, IndexError, ValueError):
            return 0
    import psutil

    try:
        info = psutil.Process(pid).memory_info()
        return int(getattr(info, "peak_wset", 0) or info.rss)
    except psutil.Error:
        return 0


def is_ending(pid: int) -> bool:
    """True if the process exited or has a SIGKILL pending: a kill from outside is queued at
    once but takes effect a moment later, before its sockets close."""
    if not _HAS_PROC:
        return False
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"State:") and line.split()[1] in (b"Z", b"X"):
                    return True
                if line.startswith((b"SigPnd:", b"ShdPnd:")) and int(line.split()[1], 16) & (
                    1 << 8
                ):
                    return True
    except (OSError, IndexError, ValueError):
        return True
    return False
