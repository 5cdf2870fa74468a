"""ProcessStatus on real processes: the liveness read a warm invoke makes before it delivers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from lamina.runtime.process_memory import ProcessStatus

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")

BUSY = [
    sys.executable,
    "-c",
    "import sys; sys.stdout.write('up\\n'); sys.stdout.flush()\nwhile True: pass",
]


def _started() -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(BUSY, stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"up\n"
    return proc


def test_a_running_process_is_not_ending_and_a_reaped_one_is() -> None:
    proc = _started()
    status = ProcessStatus(proc.pid)
    try:
        assert not status.is_ending()
        assert status.rss() > 0 and status.peak_rss() >= status.rss()
        proc.kill()
        proc.wait()
        assert status.is_ending()
        assert status.rss() == 0 and status.peak_rss() == 0
    finally:
        status.close()


def test_a_process_is_ending_as_soon_as_kill_returns() -> None:
    """Read at once after kill(): whether the target has yet run (SIGKILL pending, or exiting)
    or is already a zombie, it is ending: never taken for alive."""
    for _ in range(20):
        proc = _started()
        status = ProcessStatus(proc.pid)
        try:
            os.kill(proc.pid, signal.SIGKILL)
            assert status.is_ending()
        finally:
            status.close()
            proc.wait()
