"""Each environment in its own PID namespace (Linux), so nothing it starts outlives it.

A process that unshares CLONE_NEWPID stays where it is; only its next child is in the new
namespace, as its pid 1. So the environment's child process, between fork and exec and after the
sandbox's unshare (runtime/sandbox.py), becomes three:

- the *outer* process, the one Lamina spawned (its `Popen`, its process group, its cgroup): it
  stays in the host's namespace, closes every descriptor it inherited (so `Popen()` returns as
  soon as the runtime has started), waits for the init and exits as the runtime did, by the same
  code or the same signal. It dies with Lamina (PR_SET_PDEATHSIG, set by process_tree).
- the namespace's *init* (pid 1): it dies with the outer process (its own PR_SET_PDEATHSIG),
  remounts /proc so the function sees only its own processes, reaps whatever is orphaned inside,
  forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the runtime, and exits when
  the runtime exits. When a namespace's init ends, the kernel kills every process left in it:
  a `setsid` or double-forked child of the handler ends with the environment, even when Lamina
  itself was killed with SIGKILL. Where processes are left when the runtime exits by itself
  (extensions), the init reports the exit at once (so does the outer, which then exits) but
  stays, no longer tied to the outer, for the Extensions API's SHUTDOWN (`failure`): until
  Lamina kills it (by its host pid, `ChildProcess.end_rest`), or LINGER_S at most.
- the *runtime* (pid 2): it leads a process group of its own (the function's processes), returns
  from here and execs the runtime client, as before.

Lamina addresses the runtime by its host pid (memory, peak RSS, the REPORT line, and its group:
the freeze between invokes) and the whole environment by the outer pid (kill_tree, the Runtime
API's sealing by process tree): `runtime_pid` finds the runtime's host pid below the outer one.

Everything here runs in a forked copy of Lamina between fork and exec, or in a child of the fork
server (runtime/zygote.py) before it runs the client: no logging, no imports (they are made at
load), nothing that takes a lock another thread may have held.
"""

from __future__ import annotations

import contextlib
import os
import resource
import select
import signal

CLONE_NEWPID = 0x20000000
PR_SET_PDEATHSIG = 1
_FORWARDED = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
)
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 2, 4, 8
_MAX_FD = os.sysconf("SC_OPEN_MAX")
LINGER_S = 3  # the SHUTDOWN's 2 s, and time for Lamina to see the exit and send it


def become_init(libc: object) -> None:
    """Called in the child after unshare(CLONE_NEWPID); returns only in the runtime (pid 2).
    `libc`: the ctypes library the sandbox loaded in the parent (prctl, mount)."""
    status_r, status_w = os.pipe()  # init -> outer: the runtime's wait status
    alive_r, alive_w = os.pipe()  # outer holds the write end: EOF means the outer is gone
    init = os.fork()
    if init:
        _outer(init, status_r, alive_w)  # never returns
    os.close(status_r)
    os.close(alive_w)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # type: ignore[attr-defined]
    if select.select([alive_r], [], [], 0)[0]:  # the outer died before the line above
        os._exit(1)
    # Our own /proc, mounted by a process of the new namespace. Where the kernel refuses it (a
    # container that masks parts of /proc), the function sees the host's process list, but
    # still can't read other environments' (the user namespace forbids it).
    with contextlib.suppress(OSError):
        _mount_proc(libc)
    runtime = os.fork()
    if runtime == 0:
        os.close(status_w)
        os.close(alive_r)
        # The function's processes (the runtime, its extensions, the handler's subprocesses)
        # form a group of their own, so the freeze between invokes stops and resumes only them:
        # the outer process and the init sleep on, instead of being woken twice per invoke.
        os.setpgid(0, 0)
        return
    _init(runtime, status_w, libc)  # never returns


def _mount_proc(libc: object) -> None:
    flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    if libc.mount(b"proc", b"/proc", b"proc", flags, None) != 0:  # type: ignore[attr-defined]
        raise OSError("mount /proc")


def _close_all_but(*keep: int) -> None:
    """Close every inherited descriptor (Lamina's sockets, subprocess's error pipe, the output
    pipe) except `keep`."""
    start = 0
    for fd in sorted(keep):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, _MAX_FD)


def _quiet_signals() -> None:
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)  # Lamina's event loop's, now closed


def _outer(init: int, status_r: int, alive_w: int) -> None:
    try:
        _quiet_signals()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)  # killed: the init follows (PR_SET_PDEATHSIG)
        _close_all_but(status_r, alive_w)
        reported = b""
        while chunk := os.read(status_r, 64):  # until the init exits, or lingers (_init)
            reported += chunk
        if reported:
            _exit_as(int(reported))  # a lingering init is reaped by whoever adopts it
        _, own = os.waitpid(init, 0)
        _exit_as(own)
    finally:
        os._exit(255)


def _init(runtime: int, status_w: int, libc: object) -> None:
    try:
        _quiet_signals()

        def forward(sig: int, _frame: object) -> None:
            with contextlib.suppress(OSError):
                os.kill(runtime, sig)

        for sig in _FORWARDED:
            signal.signal(sig, forward)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # wait() must see the children
        _close_all_but(status_w)
        while True:
            pid, status = os.wait()  # reaps orphans too
            if pid == runtime:
                break
        if _others_left():
            _linger(status, status_w, libc)
        os.write(status_w, str(status).encode())
        os._exit(0)  # the kernel now ends every process left in the namespace
    finally:
        os._exit(255)


def _others_left() -> bool:
    """Whether the init still has children (the runtime's orphans, extensions among them);
    those that have already ended are reaped on the way."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        return False
    return True


def _linger(status: int, status_w: int, libc: object) -> None:
    """Report the runtime's exit and keep the namespace up, for its extensions' SHUTDOWN, until
    they are all gone or LINGER_S has passed (or Lamina kills us); then exit."""
    libc.prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0)  # type: ignore[attr-defined]  # outlive the outer
    signal.signal(signal.SIGALRM, lambda _sig, _frame: os._exit(0))
    signal.alarm(LINGER_S)
    os.write(status_w, str(status).encode())
    os.close(status_w)
    with contextlib.suppress(ChildProcessError):
        while True:
            os.wait()
    os._exit(0)


def _exit_as(status: int) -> None:
    """End this process as the runtime ended: the same exit code, or the same signal."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        with contextlib.suppress(OSError, ValueError):
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core of a copy of Lamina
            if sig not in (signal.SIGKILL, signal.SIGSTOP):
                signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
            os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 255)


def runtime_pid(outer: int) -> int:
    """The runtime's host pid below the outer process (outer -> init -> runtime), or `outer`
    itself when it has no PID namespace below it (or the runtime has already exited)."""
    return namespace_pids(outer)[1]


def namespace_pids(outer: int) -> tuple[int, int]:
    """The host pids of the namespace's init and runtime below the outer process, or `outer`
    twice when they aren't both there."""
    found = [outer]
    for _ in range(2):
        pid = found[-1]
        try:
            with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
                children = f.read().split()
        except OSError:
            return outer, outer
        if len(children) != 1:
            return outer, outer
        found.append(int(children[0]))
    return found[1], found[2]


def is_namespace_init(pid: int) -> bool:
    """Whether host pid `pid` is (still) a PID namespace's init: its NSpid ends in 1."""
    nspid = _nspid(pid)
    return len(nspid) > 1 and nspid[-1] == "1"


def _nspid(pid: int) -> list[str]:
    """Its pid in each namespace it is in, the host's first ([] once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            return next((line for line in f if line.startswith("NSpid:")), "").split()[1:]
    except OSError:
        return []


def host_pids(*parents: int) -> dict[int, int]:
    """The children of `parents` (the runtime's are an environment's external extensions; once
    the runtime has exited, they are the init's), by their pid inside the namespace (what they
    and the extension launcher see) -> their host pid (what Lamina can look up). Read from
    /proc/<child>/status's NSpid line; {} where there is none."""
    found: dict[int, int] = {}
    children: list[str] = []
    for parent in parents:
        children.extend(_children(parent))
    for child in children:
        nspid = _nspid(int(child))
        if nspid:
            found[int(nspid[-1])] = int(child)
    return found


def _children(pid: int) -> list[str]:
    """The children of every thread of `pid` ([] once it is gone)."""
    found: list[str] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                found.extend(f.read().split())
        except OSError:
            continue
    return found
