"""The filesystem as on Lambda, through user and mount namespaces (Linux).

Inside its own mount namespace an environment sees:

- its code read-only at `/var/task` (and, as before, at its real path, from which its modules are
  imported, so breakpoints need no path mapping), and `/var/task` as its working directory;
- a private `/tmp` (a tmpfs capped at EphemeralStorage, 512 MB by default) instead of the host's;
  the folders it needs from the host's /tmp (its code, its dependencies, its layers, Lamina's
  bootstrap) are bound back at their real paths;
- the code dir itself read-only, so writing there fails with EROFS, as on Lambda.

None of it exists on the host: /var gets a tmpfs with the host's entries bound back in, so
`/var/task` is created inside the namespace only, even when Lamina runs as root. It is set up in
the child between fork and exec (`preexec`), with the calls below through ctypes; the uid and gid
inside are the user's own. Where unprivileged namespaces are not available (macOS, a locked-down
kernel), the first spawn finds out, says so once, and environments run as before.

- each EFS `LocalMountPath` (/mnt/<name>) bound to its local folder (runtime/efs.py), over a
  tmpfs on /mnt holding the host's entries.

- the function's layers merged read-only at `/opt` (runtime/opt_dir.py builds the view; on
  sys.path they stay at the view's real path, as the code does).
- its own PID namespace (runtime/pid_namespace.py): the runtime is pid 2 below an init that ends
  every process the function started when the environment ends, and /proc lists only them.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import resource
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

try:
    from lamina.runtime import pid_namespace
except ImportError:  # loaded by path in the fork server (runtime/zygote.py), outside Lamina
    import pid_namespace  # type: ignore[import-not-found,no-redef]

log = logging.getLogger(__name__)

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
TASK_ROOT = "/var/task"
OPT = "/opt"
DEFAULT_EPHEMERAL_MB = 512

_libc: ctypes.CDLL | None = None
_state: dict[str, bool] = {}  # "available": the answer, once


class SandboxError(OSError):
    """A namespace call failed in the child (it then never runs the function)."""


def _c() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)  # the process's own symbols: libc is there
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise SandboxError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    _check(
        _c().mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            flags,
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def enabled() -> bool:
    """Whether to try the sandbox: Linux, not turned off (LAMINA_SANDBOX=0), and not failed in
    this process yet. Tried at the first spawn rather than probed ahead: a probe costs a fork on
    every cold start."""
    if _state.get("available") is False:
        return False
    return sys.platform.startswith("linux") and os.environ.get("LAMINA_SANDBOX", "1") != "0"


def failed() -> None:
    """The first sandboxed spawn failed: say once what differs, and stop trying."""
    if _state.get("available") is not False:
        _state["available"] = False
        log.warning(_UNAVAILABLE)


_UNAVAILABLE = (
    "lamina: warning: no user, mount and PID namespaces here: environments see the host's "
    "filesystem (the code dir is writable, /var/task does not exist, /tmp is shared) and its "
    "processes, and a process a function detaches (setsid) can outlive a Lamina killed with "
    "SIGKILL"
)


def available() -> bool:
    """Whether this machine lets an unprivileged process make user and mount namespaces;
    checked once, in a forked child, and said once when not."""
    known = _state.get("available")
    if known is not None:
        return known
    answer = False
    if sys.platform.startswith("linux") and os.environ.get("LAMINA_SANDBOX", "1") != "0":
        _c()  # loaded here, once: a child between fork and exec must not look for libc
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child exits at once
            try:
                _enter_namespaces()
                os._exit(0)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        answer = os.waitstatus_to_exitcode(status) == 0
        if not answer:
            log.warning(_UNAVAILABLE)
    _state["available"] = answer
    return answer


def _enter_namespaces() -> None:
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWUSER | CLONE_NEWNS | pid_namespace.CLONE_NEWPID
    _check(_c().unshare(flags), "unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)


def preexec(
    code_dir: Path,
    keep: Sequence[Path],
    tmp_size_mb: int,
    mounts: Sequence[tuple[str, Path]] = (),
    opt: Path | None = None,
    hosts: Path | None = None,
    max_processes: int | None = None,
) -> Callable[[], None]:
    """The function the child runs between fork and exec. `keep`: host folders the function needs
    that may live under /tmp; `mounts`: EFS (/mnt/<name>, local folder);
    `opt`: the merged layers view bound at /opt, or None; `hosts`: a file bound over /etc/hosts
    (sandbox.localdomain, for the Telemetry API); `max_processes`: RLIMIT_NPROC inside the user
    namespace (process_limits), or None."""
    lambda_view = view(code_dir, keep, tmp_size_mb, mounts, opt, hosts)

    def setup() -> None:
        _enter_namespaces()
        lambda_view()
        own_processes(max_processes)  # returns in the runtime, pid 2 of its own namespace

    return setup


def enter(max_processes: int | None) -> None:
    """The part of the sandbox that is the same for every function, done ahead by a fork
    server's spare (runtime/zygote.py): the namespaces, and the PID namespace's init. Returns in
    the runtime (pid 2); `view(...)()` then makes the function's filesystem, in the same mount
    namespace."""
    _c()
    _enter_namespaces()
    own_processes(max_processes)


def own_processes(max_processes: int | None) -> None:
    """The cap (RLIMIT_NPROC, set after unshare: it counts this namespace's uid only), then the
    PID namespace's init; returns in the runtime, pid 2 of its own namespace."""
    if max_processes is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))
    pid_namespace.become_init(_c())


def view(
    code_dir: Path | str,
    keep: Sequence[Path | str],
    tmp_size_mb: int,
    mounts: Sequence[tuple[str, Path | str]] = (),
    opt: Path | str | None = None,
    hosts: Path | None = None,
) -> Callable[[], None]:
    """The function's filesystem as on Lambda, made inside the namespaces (see `preexec`): what
    the child runs once they are entered; it ends in /var/task."""
    _c()  # in the parent: the child, between fork and exec, must not load libraries
    code = str(code_dir)
    needed = _outermost(str(path) for path in keep if _under_tmp(str(path)))
    needed += sorted({str(folder) for _, folder in mounts if _under_tmp(str(folder))})
    efs = [(inside, str(folder)) for inside, folder in mounts]
    # The merged layers, read-only over the host's /opt (which exists on the usual Linux: a
    # user namespace can't make a new folder at /; without one the layers stay off /opt).
    opt_view = str(opt) if opt is not None and os.path.isdir(OPT) else None
    if opt is not None and opt_view is None:
        _say_once("no /opt on this host: layers are on sys.path, but /opt paths don't exist")

    hosts_file = str(hosts) if hosts is not None else None

    def make() -> None:
        if hosts_file is not None:
            _mount(hosts_file, "/etc/hosts", None, MS_BIND)
        # /var (and /mnt for EFS): a tmpfs, the host's entries bound back, then /var/task.
        _cover_with_tmpfs("/var")
        if efs:
            _cover_with_tmpfs("/mnt")
            for inside, folder in efs:
                os.mkdir(inside)
                _mount(folder, inside, None, MS_BIND | MS_REC)
        os.mkdir(TASK_ROOT)
        _bind_read_only(code, TASK_ROOT)
        # /tmp: a private tmpfs, with what the function needs of the host's bound back.
        with _covered("/tmp") as host_tmp:
            size = f"size={tmp_size_mb}m,mode=1777"
            _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, size)
            for path in needed:
                os.makedirs(path, exist_ok=True)
                _mount(host_tmp + path[len("/tmp") :], path, None, MS_BIND | MS_REC)
        # The code at its real path is read-only too: a write fails with EROFS as on Lambda.
        _bind_read_only(code, code)
        if opt_view is not None:
            _bind_read_only(opt_view, OPT)
        os.chdir(TASK_ROOT)

    return make


def _say_once(message: str) -> None:
    if not _state.get(message):
        _state[message] = True
        log.warning("%s", message)


@contextlib.contextmanager
def _covered(root: str) -> Iterator[str]:
    """A path that still reaches the host's `root` once something is mounted over it: through
    a descriptor held meanwhile (/proc/self/fd/N). No mount is made to keep the host's view, so
    none is left to undo: each umount costs an RCU grace period (ms) in the kernel."""
    fd = os.open(root, os.O_PATH | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}"
    finally:
        os.close(fd)


def _cover_with_tmpfs(root: str) -> None:
    """A tmpfs over `root` holding the host's entries, bound back: new mount points can be made
    there without touching the host."""
    with _covered(root) as host:
        entries = list(os.scandir(root))
        _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755")
        for entry in entries:
            _bind_back(entry, os.path.join(host, entry.name), os.path.join(root, entry.name))


# statvfs flags that a read-only remount must keep (a user namespace may not drop them).
_KEPT_FLAGS = {
    os.ST_NOSUID: MS_NOSUID,
    os.ST_NODEV: MS_NODEV,
    os.ST_NOEXEC: 8,  # MS_NOEXEC
    os.ST_NOATIME: 1024,  # MS_NOATIME
    os.ST_NODIRATIME: 2048,  # MS_NODIRATIME
    os.ST_RELATIME: 1 << 21,  # MS_RELATIME
}


def _bind_read_only(source: str, target: str) -> None:
    _mount(source, target, None, MS_BIND | MS_REC)
    flags = os.statvfs(target).f_flag
    kept = sum(ms for st, ms in _KEPT_FLAGS.items() if flags & st)
    _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | kept)


def _bind_back(entry: os.DirEntry[str], source: str, target: str) -> None:
    if entry.is_symlink():
        os.symlink(os.readlink(source), target)
        return
    if entry.is_dir():
        os.mkdir(target)
    else:
        with open(target, "wb"):
            pass
    _mount(source, target, None, MS_BIND | MS_REC)


def _outermost(paths: Iterable[str]) -> list[str]:
    """The paths, less those inside another one: binding a folder brings what is inside it, and
    a nested bind would be copied, writable, into a read-only view made of the outer one."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return kept


def _under_tmp(path: str) -> bool:
    return path == "/tmp" or path.startswith("/tmp/")
