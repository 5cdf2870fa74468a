"""Reading a child's state: current RSS for the limit, peak RSS for the REPORT line, and whether
it is already dying.

On Linux /proc/<pid>/status stays open and is re-read with pread: a few microseconds on every
invoke's path. psutil covers other systems.
"""

from __future__ import annotations

import contextlib
import os
import sys

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_HAS_PROC = sys.platform.startswith("linux")
_SIGKILL_BIT = 1 << 8
_PF_EXITING = 0x4  # include/linux/sched.h


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


class ProcessStatus:
    """One child's /proc status, held open for cheap re-reads."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._fd = -1
        self._statm = -1  # opened at the first rss(): only a running handler's is polled
        self._stat = -1  # held from the start: a pid reused later is another process's
        if _HAS_PROC:
            with contextlib.suppress(OSError):
                self._fd = os.open(f"/proc/{pid}/status", os.O_RDONLY)
                self._stat = os.open(f"/proc/{pid}/stat", os.O_RDONLY)

    def close(self) -> None:
        for fd in (self._fd, self._statm, self._stat):
            if fd >= 0:
                os.close(fd)
        self._fd = self._statm = self._stat = -1

    def rss(self) -> int:
        """Current resident set size (0 once gone): /proc/<pid>/statm, held open, costs a
        third of a status read (the memory limit's poll, every few ms of a running handler)."""
        if self._fd < 0:
            return rss_bytes(self.pid)
        try:
            if self._statm < 0:
                self._statm = os.open(f"/proc/{self.pid}/statm", os.O_RDONLY)
            return int(os.pread(self._statm, 256, 0).split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            return 0

    def _read(self) -> bytes | None:
        try:
            return os.pread(self._fd, 8192, 0)
        except OSError:  # the process is gone (reaped)
            return None

    def peak_rss(self) -> int:
        """The high-water mark of the resident set (VmHWM), or 0 once the process is gone."""
        if self._fd < 0:
            return 0 if _HAS_PROC else _psutil_peak(self.pid)
        data = self._read()
        try:
            return int(_field(data, b"VmHWM").split()[0]) * 1024 if data else 0
        except (IndexError, ValueError):
            return 0

    def is_ending(self) -> bool:
        """True if the process exited or has a SIGKILL pending: a kill from outside is queued at
        once but takes effect a moment later, before its sockets close.

        Read from /proc/<pid>/stat (half the kernel's work of a status read, once per invoke):
        its state; its pending signals (field 31), where the kernel puts SIGKILL on every thread
        as soon as the kill is sent (complete_signal); and, once the thread has taken the signal
        off that list, PF_EXITING in its flags (field 9)."""
        if self._stat < 0:
            return False
        try:
            data = os.pread(self._stat, 1024, 0)
        except OSError:  # the process is gone (reaped)
            return True
        fields = data[data.rfind(b")") + 2 :].split(None, 29)  # after "pid (comm) "
        if not fields or fields[0] in (b"Z", b"X"):
            return True
        try:
            return bool(int(fields[28]) & _SIGKILL_BIT or int(fields[6]) & _PF_EXITING)
        except (IndexError, ValueError):
            return False


def _field(status: bytes, name: bytes) -> bytes:
    """One field's value in /proc/<pid>/status text (b"" if absent). Found directly: splitting
    all fifty-odd lines cost more than the read itself, twice per invoke."""
    start = status.find(b"\n" + name + b":")
    if start < 0:
        if not status.startswith(name + b":"):
            return b""
        start = -1
    start += len(name) + 2
    end = status.find(b"\n", start)
    return status[start : end if end >= 0 else len(status)].strip()


def _psutil_peak(pid: int) -> int:
    import psutil

    try:
        info = psutil.Process(pid).memory_info()
        return int(getattr(info, "peak_wset", 0) or info.rss)
    except psutil.Error:
        return 0
