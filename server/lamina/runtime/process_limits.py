"""Lambda's cap of 1,024 processes and threads per execution environment.

`RLIMIT_NPROC` counts per user and isn't enforced for root, and a PID namespace has no count, so
the cap is a `pids` cgroup per environment: `lamina-<lamina pid>-<n>` below Lamina's own
cgroup in the pids hierarchy (cgroup v1 `/sys/fs/cgroup/pids`, or a v2 cgroup with `pids` in
its parent's subtree_control), with `pids.max` = 1024. The environment's process joins it between
fork and exec, before it forks anything (its PID namespace's init included), so everything it forks, `setsid`
or not, counts; a fork beyond the cap fails with EAGAIN, as on Lambda. The cgroup is removed
when the environment is closed, after whatever still runs in it is killed; ones left by a Lamina that was killed are swept on the next use.

Where no pids cgroup is writable (no root, no delegation) but the environment has its own user
namespace (the sandbox) and Lamina does not run as root, the cap is RLIMIT_NPROC, set inside that
namespace: since Linux 5.14 it counts per (user namespace, uid), so only the environment's own
processes and threads count. Otherwise the cap is off. Either is said once (in the log of
`lamina serve` and `lamina lsp`); see docs/security.md.
"""

from __future__ import annotations

import contextlib
import itertools
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


class Cap:
    """How one environment is capped: a pids cgroup its child joins between fork and exec
    (before it forks anything), else RLIMIT_NPROC inside its user namespace, else nothing."""

    def __init__(self, cgroup: Path | None, rlimit: int | None) -> None:
        self.cgroup = cgroup
        self.rlimit = rlimit

    def join(self) -> None:
        """In the child, between fork and exec: move this process into the cgroup."""
        if self.cgroup is None:
            return
        with contextlib.suppress(OSError):  # checked by plan(); never fail a spawn over it
            fd = os.open(str(self.cgroup / "cgroup.procs"), os.O_WRONLY)
            try:
                os.write(fd, f"{os.getpid()}\n".encode())
            finally:
                os.close(fd)


_numbers = itertools.count(1)  # next() is atomic: the fork server's reader thread plans too


def plan(user_namespace: bool) -> Cap:
    """The cap for the next environment. `user_namespace`: whether it gets its own user
    namespace (the sandbox), where RLIMIT_NPROC counts only its own processes."""
    parent = _own_pids_cgroup()
    reason = "no pids cgroup on this system"
    if parent is not None and (parent / "cgroup.procs").exists():
        _sweep(parent)
        folder = parent / f"{_PREFIX}{os.getpid()}-{next(_numbers)}"
        try:
            folder.mkdir(exist_ok=True)
            (folder / "pids.max").write_text(f"{MAX_PROCESSES}\n")
            return Cap(folder, None)
        except OSError as e:
            with contextlib.suppress(OSError):
                folder.rmdir()
            reason = f"the pids cgroup {parent} is not writable ({e.strerror or e})"
    if user_namespace and rlimit_counts_per_namespace():
        _say_rlimit()
        return Cap(None, MAX_PROCESSES)
    _say_off(reason)
    return Cap(None, None)


def rlimit_counts_per_namespace() -> bool:
    """Whether RLIMIT_NPROC set inside an environment's user namespace caps that environment
    alone: never for the host's root (the kernel does not enforce it for root, whatever the
    namespace), and only where the kernel counts per namespace."""
    return os.getuid() != 0 and kernel_counts_nproc_per_namespace()


def kernel_counts_nproc_per_namespace() -> bool:
    """RLIMIT_NPROC counts per user *and user namespace* since Linux 5.14 (ucounts), so inside
    an environment's own namespace it counts that environment's processes and threads only."""
    try:
        major, minor = (int(part) for part in os.uname().release.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (5, 14)


def _say_rlimit() -> None:
    global _said_off
    if not _said_off:
        _said_off = True
        log.info(
            "no writable pids cgroup: each environment's %d processes are capped by RLIMIT_NPROC "
            "in its own user namespace",
            MAX_PROCESSES,
        )


def release(cap: Cap) -> None:
    """End whatever still runs in the environment's cgroup (a `setsid` child, a double fork)
    and remove the cgroup: the environment has ended, so everything it started ends too."""
    folder = cap.cgroup
    if folder is None:
        return
    cap.cgroup = None
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


async def release_off_loop(cap: Cap | None) -> None:
    """`release`, in a thread: removing a cgroup that just held processes can take the kernel
    tens of milliseconds (more while killed processes wait for a core to exit on), which must
    not stall the event loop, where a new environment may be starting meanwhile."""
    import asyncio  # here: `lamina invoke` spawns its child before asyncio is loaded

    if cap is not None and cap.cgroup is not None:
        await asyncio.to_thread(release, cap)


def _kill_members(folder: Path) -> None:
    with contextlib.suppress(OSError):
        for member in (folder / "cgroup.procs").read_text().split():
            with contextlib.suppress(OSError):
                os.kill(int(member), signal.SIGKILL)
