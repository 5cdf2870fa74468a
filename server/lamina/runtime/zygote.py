"""The fork server: one interpreter, started ahead, that forks each new execution environment.

Run as a script (`python -S -B .../zygote.py`) by runtime/fork_server.py, under the interpreter the
functions use, never imported by Lamina. It imports what every environment would import anyway
(the runtime client, and the sandbox's namespace code), then waits on the socket it was given
(its descriptor number is the one argument). Each message is one environment to start, with
its output pipe attached, or a *spare* to make ready for the next cold start of its kind:

- a child forked and made ready (`_ready`): what the exec path does between fork and exec that
  is the same for every function (its own process group, death with its parent, the pids
  cgroup, the sandbox's namespaces and PID namespace);
- then made the function's (`_run`): its output, working directory, filesystem view
  (/var/task, /tmp...), variables, and the runtime client, which imports the handler's module,
  so Init Duration measures the function's init.

A spare is ready ahead (Lamina asks for one after each start of its kind, with the pids cgroup
it is to join): it waits on a line of its own, and the next environment of its kind is just
handed to it, without the fork, the cgroup move (a wait for an RCU grace period in the kernel)
and the namespaces' forks.

Replies on the socket: `pid N` for each start (`pid N spare` when a spare took it), `exit N
STATUS` when a child ends (this process reaps them), so Lamina learns exit codes as a parent
would.
"""

# This file must stay importable on Python 3.10 with no third-party packages.
import functools
import gc
import json
import os
import select
import signal
import socket
import sys
from collections.abc import Callable

_FOLDER = os.path.dirname(os.path.abspath(__file__))
BOOTSTRAP = os.path.join(_FOLDER, "bootstrap.py")
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER = 1, 36


def _load() -> tuple:  # type: ignore[type-arg]
    """The runtime client, and the sandbox (with pid_namespace) as private modules: taken out of
    sys.modules again, so a function's own `sandbox.py` is still its own."""
    sys.path.insert(0, _FOLDER)
    try:
        __import__("_lamina_runtime_client.invoke_loop")
        import pid_namespace  # type: ignore[import-not-found]  # noqa: F401  (for sandbox.py)
        import sandbox  # type: ignore[import-not-found]
    finally:
        del sys.path[0]
        for name in ("sandbox", "pid_namespace"):
            sys.modules.pop(name, None)
    return sys.modules["_lamina_runtime_client.invoke_loop"], sandbox


def _ready(kind: dict, control: socket.socket, parent: int) -> None:  # type: ignore[type-arg]
    """In a new child, what is the same for every function of this `kind` (what the exec path
    does between fork and exec): its own process group, death with its parent, the pids cgroup,
    then the sandbox's namespaces and PID namespace. With the sandbox, returns in the runtime
    (pid 2 of its own namespace)."""
    control.close()
    for spare in _spares.values():  # another spare's line: never this environment's
        spare.line.close()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setpgid(0, 0)
    libc = _SANDBOX._c()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if os.getppid() != parent:  # the fork server died before the line above
        os._exit(1)
    cgroup = kind.get("cgroup")
    if cgroup:
        try:
            with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
                f.write(f"{os.getpid()}\n")
        except OSError:
            pass
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    if kind.get("sandbox"):
        os.chdir("/")  # the namespace's init keeps no host folder busy
        _SANDBOX.enter(kind.get("max_processes"))


def _run(request: dict, output_fd: int) -> None:  # type: ignore[type-arg]
    """In a child made `_ready`: the function's own part (its output, working directory,
    filesystem view, variables), then the runtime client."""
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    os.chdir(request["cwd"])
    sandbox = request.get("sandbox")
    if sandbox is not None:
        _SANDBOX.view(
            sandbox["code_dir"],
            sandbox["keep"],
            sandbox["tmp_size_mb"],
            [tuple(mount) for mount in sandbox["mounts"]],
            opt=sandbox.get("opt"),
        )()  # ends in /var/task
    os.environ.clear()
    os.environ.update(_ADDED)
    os.environ.update(request["env"])
    import time

    time.tzset()  # TZ is the function's now
    if "random" in sys.modules:  # never two environments with one random state
        sys.modules["random"].seed()
    script = request.get("script", BOOTSTRAP)
    sys.argv = [script, *request["args"]]
    sys.modules["__main__"].__file__ = script  # as if the bootstrap had been run
    _CLIENT.main(sys.argv, script)


def _kind(request: dict) -> dict:  # type: ignore[type-arg]
    sandbox = request.get("sandbox")
    return {
        "cgroup": request.get("cgroup"),
        "sandbox": sandbox is not None,
        "max_processes": None if sandbox is None else sandbox.get("max_processes"),
    }


class _Spare:
    """A child made `_ready` ahead, waiting on its line for the request that makes it an
    environment: the next cold start of its kind skips the fork, the cgroup move and the
    namespaces."""

    def __init__(self, pid: int, line: socket.socket) -> None:
        self.pid = pid
        self.line = line


_spares: dict = {}  # type: ignore[type-arg]  # kind's name -> _Spare


SPARE_NAME = "lamina-spare"  # its name while it waits (`ps` tells it from an environment)


def _wait_as_spare(line: socket.socket, other_end: socket.socket) -> None:
    other_end.close()
    name = _rename(SPARE_NAME)
    # Not at once: the cold start this spare follows is still running its init, on the same
    # cores. A request that comes meanwhile takes the spare as it is.
    if not select.select([line], [], [], _OWN_PAGES_AFTER_S)[0]:
        _own_pages()
    data, fds, _, _ = socket.recv_fds(line, 1 << 20, 1)
    if not data or not fds:  # the fork server is gone, or stopped this spare
        os._exit(0)
    line.close()
    _rename(name)  # an environment now: named as a forked one always was
    _run(json.loads(data), fds[0])


def _rename(name: str) -> str:
    """Set this process's name (/proc/self/comm); the old one, to restore ("" if unknown)."""
    try:
        with open("/proc/self/comm", "r+") as comm:
            old = comm.read().strip()
            comm.seek(0)
            comm.write(name)
        return old
    except OSError:
        return ""


def _own_pages() -> None:
    """Copy now, while the spare waits, the memory it still shares with the fork server: the
    environment would copy each page on its first write to it (copy on write), a page fault
    apiece, ~10 µs each in a VM, a thousand or so in a cold start. Only pages present and
    shared are touched (/proc/self/pagemap), none is added. Kernels before 5.14 have no
    MADV_POPULATE_WRITE: then nothing is copied ahead."""
    ctypes = _SANDBOX.ctypes
    madvise = _SANDBOX._c().madvise
    madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    page = os.sysconf("SC_PAGE_SIZE")
    try:
        with open("/proc/self/maps") as maps:
            regions = [line.split() for line in maps]
        pagemap = os.open("/proc/self/pagemap", os.O_RDONLY)
    except OSError:
        return
    try:
        for fields in regions:
            start, end = (int(bound, 16) for bound in fields[0].split("-"))
            if fields[1] != "rw-p" or end - start > _LARGEST_REGION:
                continue
            entries = memoryview(os.pread(pagemap, (end - start) // page * 8, start // page * 8))
            run = None  # the first page of a run of shared ones
            for index, entry in enumerate([*entries.cast("Q"), 0]):
                shared = entry >> 63 and not (entry >> 56) & 1  # present, not ours alone
                if shared and run is None:
                    run = index
                elif not shared and run is not None:
                    if madvise(start + run * page, (index - run) * page, _POPULATE_WRITE):
                        return  # not on this kernel
                    run = None
    except OSError:
        return
    finally:
        os.close(pagemap)


_OWN_PAGES_AFTER_S = 0.1
_POPULATE_WRITE = 23  # MADV_POPULATE_WRITE
_LARGEST_REGION = 1 << 28


def _forked(
    control: socket.socket,
    parent: int,
    kind: dict,  # type: ignore[type-arg]
    then: Callable[[], None],
    output_fd: int | None = None,
) -> int:
    """Fork a child that gets `_ready` for `kind`, then does `then()`; its pid (SIGCHLD is
    blocked meanwhile, so its exit is told only after its pid). `output_fd`: where the child's
    output goes from the start (a sandbox that fails says why in the function's log)."""
    gc.freeze()  # the child's collections never touch (and so copy) the server's objects
    pid = os.fork()
    if pid == 0:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
        if output_fd is not None:
            os.dup2(output_fd, 1)
            os.dup2(output_fd, 2)
        _ready(kind, control, parent)
        then()
        sys.exit(0)  # the runtime client returned: the interpreter exits as a script's would
    return pid


def _make_spare(request: dict, control: socket.socket, parent: int) -> int:  # type: ignore[type-arg]
    old = _spares.pop(request["spare"], None)
    if old is not None:
        old.line.close()  # it exits
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = _forked(control, parent, request, functools.partial(_wait_as_spare, theirs, ours))
    theirs.close()
    _spares[request["spare"]] = _Spare(pid, ours)
    return pid


def _hand_over(spare: _Spare, request: bytes, output_fd: int) -> bool:
    """Give the request and its output pipe to the spare; False: it is gone."""
    try:
        socket.send_fds(spare.line, [request], [output_fd])
    except OSError:
        return False
    finally:
        spare.line.close()
    os.close(output_fd)
    return True


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    parent = os.getpid()  # the children check that they still have it
    children = set()

    def reap(_sig: int, _frame: object) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            for name, spare in list(_spares.items()):
                if spare.pid == pid:  # ended unused (killed from outside)
                    spare.line.close()
                    del _spares[name]
            if pid in children:
                children.discard(pid)
                control.send(f"exit {pid} {status}".encode())

    signal.signal(signal.SIGCHLD, reap)
    control.send(b"ready")
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 1 << 20, 1)
        except InterruptedError:
            continue
        if not data:  # Lamina is gone
            os._exit(0)
        request = json.loads(data)
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])  # reply before any exit
        if "drop_spares" in request:  # the pool closed: its spares end (their line closes)
            for spare in _spares.values():
                spare.line.close()
            _spares.clear()
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
            continue
        if "spare" in request:  # make one ready for the next cold start of its kind
            children.add(_make_spare(request, control, parent))
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
            continue
        spare = _spares.pop(request.get("kind"), None)
        if spare is not None and _hand_over(spare, data, fds[0]):
            control.send(f"pid {spare.pid} spare".encode())
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
            continue
        run = functools.partial(_run, request, fds[0])
        pid = _forked(control, parent, _kind(request), run, output_fd=fds[0])
        os.close(fds[0])
        children.add(pid)
        control.send(f"pid {pid}".encode())
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])


def _added_by_the_interpreter() -> dict:  # type: ignore[type-arg]
    """What this interpreter put into its own environment at start-up (PEP 538's LC_CTYPE):
    an exec'd environment's interpreter puts it into the function's too."""
    given = set(os.environ.pop("LAMINA_FORK_SERVER_GIVEN", "").split(","))
    return {name: value for name, value in os.environ.items() if name not in given}


if __name__ == "__main__":
    _ADDED = _added_by_the_interpreter()
    _CLIENT, _SANDBOX = _load()
    main()
