"""An environment's child process once started (child_spawn.py starts it): its signals (the
freeze, the kill of its whole tree), its output pipe, the watch for its exit, and what it leaves
to clean up. Needs no event loop until `watch`.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lamina.runtime import fork_server, pid_namespace, process_limits
from lamina.runtime.process_tree import kill_tree

if TYPE_CHECKING:  # not imported at run time: the CLI spawns the child before asyncio loads
    import asyncio

_POLLIN = getattr(select, "POLLIN", 0) if hasattr(select, "poll") else 0


@dataclass
class ChildProcess:
    proc: subprocess.Popen[bytes] | fork_server.ForkedProcess
    listener: socket.socket  # the Runtime API's socket, already listening
    output_fd: int  # read end of the child's stdout+stderr pipe, non-blocking
    tmp_dir: Path  # the environment's own TMPDIR
    spawned_at: float  # time.perf_counter() just before the spawn
    cap: process_limits.Cap | None = None  # its pids cgroup, if any
    namespaced: bool = False  # in a PID namespace: the runtime is the grandchild of `proc`
    # External extensions (runtime/extension_launcher.py): their names, and the read end of
    # the pipe their output comes through (-1: none).
    extensions: tuple[str, ...] = ()
    extension_output_fd: int = -1
    _runtime: int = 0
    _init: int = 0  # in a PID namespace: its init's host pid, found with the runtime's
    _output_poll: select.poll | None = None  # watches output_fd for read_pending

    @property
    def runtime_pid(self) -> int:
        """The runtime's host pid: `proc.pid`, or, in a PID namespace, the pid found below it
        (once the runtime exists; a forked child makes it just after the fork server answers)."""
        if not self.namespaced:
            return self.proc.pid
        if not self._runtime:
            init, found = pid_namespace.namespace_pids(self.proc.pid)
            if found == self.proc.pid:
                return found
            self._init, self._runtime = init, found
        return self._runtime

    def extension_parents(self) -> tuple[int, ...]:
        """Whose children the external extensions are: the runtime's, or, in a PID namespace
        whose runtime has exited, its init's too."""
        runtime = self.runtime_pid
        return (runtime, self._init) if self._init else (runtime,)

    def lingering(self) -> bool:
        """Whether the child has exited leaving its PID namespace's init, and with it the
        extensions, for their SHUTDOWN (pid_namespace._linger)."""
        exited = self.proc.returncode is not None
        return exited and bool(self._init) and pid_namespace.is_namespace_init(self._init)

    def tree_root(self) -> int:
        """The root of the environment's process tree: the child, or its lingering init."""
        return self._init if self.lingering() else self.proc.pid

    def end_rest(self) -> None:
        """After the child has exited: kill what it left (a lingering PID namespace's init,
        and with it the namespace; the process group)."""
        if self.lingering():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self._init, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    @property
    def runtime_api(self) -> str:
        host, port = self.listener.getsockname()[:2]
        return f"{host}:{port}"

    def signal(self, sig: int) -> None:
        """Signal the function's process group (its own subprocesses too): the child's, or in
        a PID namespace the runtime's (pid_namespace), which leaves the outer process and the
        init asleep. SIGKILL goes to the whole process tree, `setsid` children included."""
        if self.proc.returncode is not None:
            return
        if sig == signal.SIGKILL:
            kill_tree(self.proc.pid)
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.runtime_pid, sig)

    def signal_runtime(self, sig: int) -> None:
        """Signal the runtime's process alone (not its extensions, nor its namespace's init)."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.runtime_pid, sig)

    def read_output(self) -> bytes | None:
        """What the child wrote since the last read: b"" if nothing yet, None at end of output."""
        if self.output_fd < 0:
            return None
        try:
            return os.read(self.output_fd, 1 << 20) or None
        except BlockingIOError:
            return b""
        except OSError:
            return None

    def read_pending(self) -> bytes | None:
        """`read_output` when the output may well be empty (a drain after each invoke): one
        poll(2) first, so that nothing to read costs no BlockingIOError (half the CPU)."""
        fd = self.output_fd
        if fd >= 0 and _POLLIN:
            if self._output_poll is None:
                self._output_poll = select.poll()
                self._output_poll.register(fd, _POLLIN)
            if not self._output_poll.poll(0):  # no data, no hang-up, no error
                return b""
        return self.read_output()

    def watch(
        self,
        loop: asyncio.AbstractEventLoop,
        on_output: Callable[[bytes], None],
        on_exit: Callable[[], None],
    ) -> None:
        """Call back on the loop with the child's output as it comes, and once when it exits
        (a pidfd on Linux, else a thread that waits)."""

        def read() -> None:
            data = self.read_output()
            if data:
                on_output(data)
            elif data is None:
                loop.remove_reader(self.output_fd)

        loop.add_reader(self.output_fd, read)
        proc = self.proc
        if isinstance(proc, fork_server.ForkedProcess):  # the fork server reports its exit

            def exited_in_thread() -> None:
                loop.call_soon_threadsafe(on_exit)

            proc.add_exit_callback(exited_in_thread)
            return
        try:
            pidfd = os.pidfd_open(proc.pid)
        except (AttributeError, OSError):

            def wait_in_thread() -> None:
                proc.wait()
                loop.call_soon_threadsafe(on_exit)

            threading.Thread(target=wait_in_thread, name="lamina-env-exit", daemon=True).start()
            return

        def exited() -> None:
            loop.remove_reader(pidfd)
            os.close(pidfd)
            proc.wait()  # it has exited: this only reaps it
            on_exit()

        loop.add_reader(pidfd, exited)

    def close(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Free the output pipe and the temp dir (the child is gone or going)."""
        if self.output_fd >= 0:
            if loop is not None:
                with contextlib.suppress(Exception):
                    loop.remove_reader(self.output_fd)
            os.close(self.output_fd)
            self.output_fd = -1
            self._output_poll = None
        if self.extension_output_fd >= 0:
            if loop is not None:
                with contextlib.suppress(Exception):
                    loop.remove_reader(self.extension_output_fd)
            os.close(self.extension_output_fd)
            self.extension_output_fd = -1
        if self.cap is not None:
            process_limits.release(self.cap)  # and what it started, setsid or not
        remove_tree(self.tmp_dir)

    def discard(self) -> None:
        """Undo a spawn that nothing adopted: kill the child and free what it held."""
        self.signal(signal.SIGKILL)
        self.proc.wait()
        self.listener.close()
        self.close()


def remove_tree(path: Path) -> None:
    import shutil  # only when tearing down: keeps it off the spawn path

    shutil.rmtree(path, ignore_errors=True)
