"""Cold starts from a fork server: one pre-started interpreter per (interpreter, start-up
variables) that forks each new environment (runtime/zygote.py runs in it).

A fresh interpreter costs most of a cold start: starting Python, then importing the runtime
client. The fork server pays that once; each environment is a fork of it, which then applies the
function's variables, working directory and sandbox, and imports the handler's module, so
`Init Duration` still measures the function's own init. What a fork can't change afterwards is
keyed: the interpreter, and the variables read while Python starts (`PYTHON*`, `LANG`, `LC_*`,
`LD_*`) or while the client is imported (`AWS_EXECUTION_ENV`); a fork server is started with
exactly those. The first cold start of a new key runs the exec path (bootstrap.py) while its
fork server starts beside it; later ones fork. At most `MAX_SERVERS` run, the least recently
used is stopped first (`LAMINA_FORK_SERVER=0` turns them off); each dies with Lamina (PR_SET_PDEATHSIG), and its children with it.

Lamina isn't the children's parent, so each is watched through `ForkedProcess`, which looks like
the part of `subprocess.Popen` the environment uses: its exit status comes from the fork server,
which reaps it.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lamina.runtime import process_limits, sandbox
from lamina.runtime.config import FunctionConfig
from lamina.runtime.process_tree import child_setup

log = logging.getLogger(__name__)

ZYGOTE = Path(__file__).with_name("zygote.py")
MAX_SERVERS = 4
_STARTUP_NAMES = ("AWS_EXECUTION_ENV", "LANG")
_STARTUP_PREFIXES = ("PYTHON", "LC_", "LD_")
_servers: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], ForkServer] = OrderedDict()
_lock = threading.Lock()


class ForkedProcess:
    """A child of the fork server, seen as the `Popen` parts the environment uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._done = threading.Event()
        self._callbacks: list[Callable[[], None]] = []

    def _exited(self, status: int) -> None:
        self.returncode = os.waitstatus_to_exitcode(status)
        self._done.set()
        for callback in self._callbacks:
            callback()

    def add_exit_callback(self, callback: Callable[[], None]) -> None:
        """Called once, from the fork server's reader thread, when the process has ended."""
        self._callbacks.append(callback)
        if self._done.is_set():
            callback()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._done.wait(timeout):
            raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
        assert self.returncode is not None
        return self.returncode


class ForkServer:
    def __init__(self, python: str, startup_env: dict[str, str]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._socket = ours
        self._children: dict[int, ForkedProcess] = {}
        self._replies: list[tuple[ForkedProcess, bool]] = []  # and whether a spare took it
        self._spares: dict[str, process_limits.Cap] = {}  # kind -> the cap its spare joined
        self._wanted: dict[str, bool] = {}  # kinds (-> isolated) asked for while it started
        self._reply = threading.Condition()
        self._ready = threading.Event()
        self._closed = False
        env = dict(startup_env)
        env.setdefault("PATH", os.environ.get("PATH", os.defpath))
        # So the fork server tells what its interpreter added itself (PEP 538's LC_CTYPE), which
        # an exec'd environment's interpreter adds too.
        env["LAMINA_FORK_SERVER_GIVEN"] = ",".join(sorted(env))
        try:
            self.proc = subprocess.Popen(
                [python, "-S", "-B", str(ZYGOTE), str(theirs.fileno())],
                # Never Lamina's own stdout or stderr (the language server's protocol and log):
                # each environment gets its own output pipe; the server itself has nothing to say.
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                pass_fds=(theirs.fileno(),),
                preexec_fn=_own_group_dying_with_us(),
            )
        finally:
            theirs.close()
        threading.Thread(target=self._read, name="lamina-fork-server", daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                message = self._socket.recv(256)
            except OSError:
                message = b""
            if not message:
                break
            kind, _, rest = message.decode().partition(" ")
            if kind == "ready":
                with self._reply:
                    self._ready.set()
                    for wanted, isolated in self._wanted.items():
                        self._make_spare(wanted, isolated)
                    self._wanted.clear()
            elif kind == "pid":  # registered here, before its exit can be read
                number, _, spare = rest.partition(" ")
                child = ForkedProcess(int(number))
                self._children[child.pid] = child
                with self._reply:
                    self._replies.append((child, spare == "spare"))
                    self._reply.notify()
            elif kind == "exit":
                pid, status = (int(part) for part in rest.split())
                gone = self._children.pop(pid, None)
                if gone is not None:
                    gone._exited(status)
        self._closed = True
        with self._reply:
            self._reply.notify_all()
        for child in list(self._children.values()):  # the server died: so did its children
            child._exited(9)  # as killed
        self._children.clear()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and not self._closed and self.proc.poll() is None

    def spawn(
        self, request: dict[str, Any], output_fd: int, cap: process_limits.Cap
    ) -> ForkedProcess:
        """Start one environment (handed to the spare of its kind, if one is ready: then `cap`
        becomes the spare's, whose cgroup it has joined), and make a spare ready for the next
        one; raises OSError if the server is gone."""
        kind = _kind(request)
        with self._reply:
            message = json.dumps({**request, "kind": kind}).encode()
            socket.send_fds(self._socket, [message], [output_fd])
            while not self._replies:
                if self._closed or not self._reply.wait(10):
                    raise OSError("the fork server did not answer")
            child, took_spare = self._replies.pop(0)
            spare = self._spares.pop(kind, None)
            if took_spare and spare is not None:
                planned = process_limits.Cap(cap.cgroup, None)
                cap.cgroup, cap.rlimit = spare.cgroup, spare.rlimit
                process_limits.release(planned)  # never joined: an empty folder
            elif spare is not None:
                process_limits.release(spare)  # that spare is gone
            self._make_spare(kind, request["sandbox"] is not None)
            return child

    def want_spare(self, kind: str, isolated: bool) -> None:
        """A cold start of this kind went the exec path while the server started: have a spare
        ready for the next one as soon as the server is."""
        with self._reply:
            if not self._ready.is_set():
                self._wanted[kind] = isolated
            elif kind not in self._spares:
                self._make_spare(kind, isolated)

    def _make_spare(self, kind: str, isolated: bool) -> None:
        """Ask for a spare for the next cold start of this kind, with a pids cgroup of its own."""
        cap = process_limits.plan(user_namespace=isolated)
        if _kind_of(cap, isolated) != kind:  # the cap changed meanwhile: no spare
            process_limits.release(cap)
            return
        spare = {
            "spare": kind,
            "cgroup": _cgroup(cap),
            "sandbox": isolated,
            "max_processes": cap.rlimit,
        }
        try:
            self._socket.send(json.dumps(spare).encode())
        except OSError:
            process_limits.release(cap)
            return
        self._spares[kind] = cap

    def drop_spares(self) -> None:
        """End the spares waiting for a cold start (a pool that closes leaves none behind);
        the next start of a kind makes its spare again."""
        with self._reply:
            if not self._spares:
                return
            with contextlib.suppress(OSError):
                self._socket.send(json.dumps({"drop_spares": True}).encode())
            while self._spares:  # their cgroups: members killed, folders removed
                process_limits.release(self._spares.popitem()[1])

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        self._socket.close()
        while self._spares:  # they die with the server (PR_SET_PDEATHSIG)
            process_limits.release(self._spares.popitem()[1])


def _own_group_dying_with_us() -> Callable[[], None]:
    """Its own process group (a Ctrl+C meant for Lamina is not its), and death with Lamina."""
    setup = child_setup()

    def prepare() -> None:
        os.setpgid(0, 0)
        if setup is not None:
            setup()

    return prepare


def _kind(request: dict[str, Any]) -> str:
    """What a spare must have done ahead to take this request: the sandbox or not, which cap."""
    sandbox = request["sandbox"]
    rlimit = None if sandbox is None else sandbox["max_processes"]
    return _kind_name(request["cgroup"] is not None, sandbox is not None, rlimit)


def _kind_of(cap: process_limits.Cap, isolated: bool) -> str:
    return _kind_name(cap.cgroup is not None, isolated, cap.rlimit)


def _kind_name(cgroup: bool, isolated: bool, rlimit: int | None) -> str:
    return f"{'sandbox' if isolated else 'plain'} {'cgroup' if cgroup else 'no-cgroup'} {rlimit}"


def _cgroup(cap: process_limits.Cap) -> str | None:
    return str(cap.cgroup) if cap.cgroup else None


def startup_env(env: dict[str, str]) -> dict[str, str]:
    """The variables an environment's interpreter reads before its fork could change them."""
    return {
        name: value
        for name, value in env.items()
        if name in _STARTUP_NAMES or name.startswith(_STARTUP_PREFIXES)
    }


def server_for(
    python: str, env: dict[str, str], kind: str | None = None, isolated: bool = False
) -> ForkServer | None:
    """The ready fork server for this interpreter and start-up variables, or None (then one is
    started for next time, with a spare of `kind` once ready, and this environment takes the
    exec path)."""
    if os.environ.get("LAMINA_FORK_SERVER", "1") == "0":  # turned off: every cold start execs
        return None
    wanted = startup_env(env)
    key = (python, tuple(sorted(wanted.items())))
    with _lock:
        server = _servers.get(key)
        if server is not None:
            if server.ready:
                _servers.move_to_end(key)
                return server
            if server.proc.poll() is None and not server._closed:
                if kind is not None:
                    server.want_spare(kind, isolated)
                return None  # still starting
            server.stop()
            del _servers[key]
        while len(_servers) >= MAX_SERVERS:
            _, oldest = _servers.popitem(last=False)
            oldest.stop()
        try:
            _servers[key] = server = ForkServer(python, wanted)
            if kind is not None:
                server.want_spare(kind, isolated)
        except OSError as e:
            log.info("no fork server for %s: %s", python, e)
    return None


def request_for(
    config: FunctionConfig,
    env: dict[str, str],
    cap: process_limits.Cap,
    isolated: bool,
    keep: list[Path],
) -> dict[str, Any]:
    """What the fork server's child needs to do what Popen and the preexec do on the exec path."""
    request: dict[str, Any] = {
        "cwd": str(config.code_dir),
        "env": env,
        "args": [config.handler],
        "cgroup": _cgroup(cap),
        "sandbox": None,
    }
    if isolated:
        request["sandbox"] = {
            "code_dir": str(config.code_dir),
            "keep": [str(path) for path in keep],
            "tmp_size_mb": config.ephemeral_storage,
            "mounts": [(inside, str(folder)) for inside, folder in config.mounts],
            "opt": None if config.opt is None else str(config.opt.path),
            "max_processes": cap.rlimit,
        }
    return request


def fork(
    python: str,
    request: dict[str, Any],
    output_fd: int,
    isolated: bool,
    cap: process_limits.Cap,
) -> ForkedProcess | None:
    """The child forked by a ready fork server; None: take the exec path. The sandbox is only
    forked once this machine is known to allow it (the exec path finds out and falls back; a
    forked child could only fail). A function with AWS_LAMBDA_EXEC_WRAPPER execs: the wrapper
    runs the runtime's command line, which a fork has none of."""
    if not sys.platform.startswith("linux") or (isolated and not sandbox.available()):
        return None
    if "AWS_LAMBDA_EXEC_WRAPPER" in request["env"]:
        return None
    server = server_for(python, request["env"], _kind(request), isolated)
    if server is None:
        return None
    try:
        return server.spawn(request, output_fd, cap)
    except OSError:
        return None


def spare_cgroups() -> set[Path]:
    """The pids cgroups the spares have joined (each becomes the next environment's)."""
    with _lock:
        servers = list(_servers.values())
    return {cap.cgroup for s in servers for cap in list(s._spares.values()) if cap.cgroup}


def drop_all_spares() -> None:
    with _lock:
        servers = list(_servers.values())
    for server in servers:
        server.drop_spares()


@atexit.register
def stop_all() -> None:
    with _lock:
        while _servers:
            _, server = _servers.popitem()
            server.stop()
