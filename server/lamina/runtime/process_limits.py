"""Lambda's cap of 1,024 processes and threads per execution environment.

`RLIMIT_NPROC` counts per user and isn't enforced for root, and a PID namespace has no count, so
the cap is a `pids` cgroup per environment: `lamina-<lamina pid>-<child pid>` below Lamina's own
cgroup in the pids hierarchy (cgroup v1 `/sys/fs/cgroup/pids`, or a v2 cgroup with `pids` in
its parent's subtree_control), with `pids.max` = 1024. The environment's process joins it the
moment it is spawned, before its handler is even imported, so everything it forks, `setsid`
or not, counts; a fork beyond the cap fails with EAGAIN, as on Lambda. The cgroup is removed
when the environment is closed, after whatever still runs in it is killed; ones left by a Lamina that was killed are swept on the next use.

Where no pids cgroup is writable (no root, no delegation), the cap is off and Lamina says so
once (in the log of `lamina serve` and `lamina lsp`). (RLIMIT_NPROC inside a user namespace mapped to a non-root uid would be the next choice:
not built here; see docs/security.md.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from pathlib import Path

log = logging.getLogger(__name__)

MAX_PROCESSES = 1024  # processes and threads, as Lambda counts them
_CGROUP_ROOT = Path("/sys/fs/cgroup")
_PREFIX = "lamina-"
_said_off = False
_swept = False


def _own_pids_cgroup() -> Path | None:
    """The folder of this process's cgroup in a hierarchy that has the pids controller."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "pids" in controllers.split(","):
            return _CGROUP_ROOT / "pids" / path.lstrip("/")
        if controllers == "":  # cgroup v2: pids where the parent hands it down
            folder = _CGROUP_ROOT / path.lstrip("/")
            with contextlib.suppress(OSError):
                if "pids" in (folder / "cgroup.subtree_control").read_text().split():
                    return folder
    return None


def _say_off(reason: str) -> None:
    global _said_off
    if not _said_off:
        _said_off = True
        # INFO, not WARNING: on a laptop without root this is the usual case, and `lamina
        # invoke` would print it on every run; `lamina serve` and `lamina lsp` log it once.
        log.info("the cap of %d processes per environment is off: %s", MAX_PROCESSES, reason)


def _sweep(parent: Path) -> None:
    """Remove the empty cgroups of Lamina processes that no longer run."""
    global _swept
    if _swept:
        return
    _swept = True
    for folder in parent.glob(f"{_PREFIX}*-*"):
        owner = folder.name[len(_PREFIX) :].split("-", 1)[0]
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            with contextlib.suppress(OSError):
                folder.rmdir()


def cap_processes(pid: int) -> Path | None:
    """Put the environment whose process is `pid` under the cap; the cgroup, or None (off)."""
    parent = _own_pids_cgroup()
    if parent is None or not (parent / "cgroup.procs").exists():
        _say_off("no pids cgroup on this system")
        return None
    _sweep(parent)
    folder = parent / f"{_PREFIX}{os.getpid()}-{pid}"
    try:
        folder.mkdir(exist_ok=True)
        (folder / "pids.max").write_text(f"{MAX_PROCESSES}\n")
        (folder / "cgroup.procs").write_text(f"{pid}\n")
    except OSError as e:
        with contextlib.suppress(OSError):
            folder.rmdir()
        _say_off(f"the pids cgroup {parent} is not writable ({e.strerror or e})")
        return None
    return folder


def release(pid: int) -> None:
    """End whatever still runs in the environment's cgroup (a `setsid` child, a double fork)
    and remove the cgroup: the environment has ended, so everything it started ends too."""
    parent = _own_pids_cgroup()
    if parent is None:
        return
    folder = parent / f"{_PREFIX}{os.getpid()}-{pid}"
    for _ in range(100):  # killed processes leave within milliseconds
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            _kill_members(folder)
            time.sleep(0.005)
    log.warning("cannot remove %s: processes are still in it", folder)


def _kill_members(folder: Path) -> None:
    with contextlib.suppress(OSError):
        for member in (folder / "cgroup.procs").read_text().split():
            with contextlib.suppress(OSError):
                os.kill(int(member), signal.SIGKILL)
