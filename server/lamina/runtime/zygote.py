"""The fork server: one interpreter, started ahead, that forks each new execution environment.

Run as a script (`python -S -B .../zygote.py`) by runtime/fork_server.py, under the interpreter the
functions use, never imported by Lamina. It imports what every environment would import anyway
(the runtime client, and the sandbox's namespace code), then waits on the socket it was given
(its descriptor number is the one argument): each message is one environment to start, with its output pipe attached. It forks; the
child does what the exec path does between fork and exec and then in bootstrap.py (its own
process group, death with its parent, the pids cgroup, the sandbox and PID namespace, the
function's variables and working directory) and runs the runtime client. The handler's own
module is imported only in the child, so Init Duration measures the function's init.

Replies on the socket: `pid N` for each start, `exit N STATUS` when a child ends (this process
reaps them), so Lamina learns exit codes as a parent would.
"""

# This file must stay importable on Python 3.10 with no third-party packages.
import json
import os
import signal
import socket
import sys

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


def _child(request: dict, output_fd: int, control: socket.socket, parent: int) -> None:  # type: ignore[type-arg]
    control.close()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setpgid(0, 0)
    libc = _SANDBOX._c()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if os.getppid() != parent:  # the fork server died before the line above
        os._exit(1)
    cgroup = request.get("cgroup")
    if cgroup:
        try:
            with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
                f.write(f"{os.getpid()}\n")
        except OSError:
            pass
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    os.chdir(request["cwd"])
    sandbox = request.get("sandbox")
    if sandbox is not None:
        _SANDBOX.preexec(
            sandbox["code_dir"],
            sandbox["keep"],
            sandbox["tmp_size_mb"],
            [tuple(mount) for mount in sandbox["mounts"]],
            opt=sandbox.get("opt"),
            max_processes=sandbox["max_processes"],
        )()  # returns in the runtime, pid 2 of its own namespace
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
        pid = os.fork()
        if pid == 0:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
            _child(request, fds[0], control, parent)
            return  # the runtime client returned: the interpreter exits as a script's would
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
