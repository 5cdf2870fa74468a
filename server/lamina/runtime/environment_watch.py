"""An environment's processes as Lamina watches them: the memory limit and peak, whether they
are already ending, and Lambda's freeze between invokes.

The runtime's memory is read from its own pid: the environment's child itself, or, in a PID
namespace, the runtime below it (found once the runtime has asked for an event). Whether the
environment is ending is read from both: a SIGKILL to the outer process reaches the runtime
only a moment later.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from lamina.runtime.child_process import ChildProcess
from lamina.runtime.process_memory import ProcessStatus

MEMORY_POLL_S = 0.01
# The freeze comes this long after the runtime's `/next`: an event that arrives sooner (steady
# traffic) finds the environment still awake, and neither SIGSTOP nor SIGCONT is sent. Each cost
# ~25 us of Lamina's CPU (waking a task on another CPU), with Lamina then preempted by the runtime.
FREEZE_AFTER_S = 0.002


class EnvironmentWatch:
    def __init__(
        self, child: ChildProcess, extensions: Callable[[], list[int]] = lambda: []
    ) -> None:
        """`extensions`: the host pids of its extensions now (they share its memory)."""
        self._child = child
        self._extensions = extensions
        self._extension_status: dict[int, ProcessStatus] = {}
        self._runtime = ProcessStatus(child.runtime_pid)  # the outer process's, until init
        self._outer = ProcessStatus(child.proc.pid) if child.namespaced else None
        self._peak_rss = 0
        self._timer: asyncio.TimerHandle | None = None
        self._polling: tuple[int, Callable[[], bool], Callable[[], None]] | None = None
        self._freezing: asyncio.TimerHandle | None = None
        self._idle_since: float | None = None  # when the runtime last asked for an event
        self.frozen = False

    def runtime_started(self) -> None:
        """The runtime surely exists once it asks for an event: watch it from now on."""
        runtime = self._child.runtime_pid
        if self._runtime.pid != runtime:
            self._runtime.close()
            self._runtime = ProcessStatus(runtime)

    def looks_gone(self) -> bool:
        outer = self._outer
        return self._runtime.is_ending() or (outer is not None and outer.is_ending())

    def peak_rss(self) -> int:
        """The environment's peak: the runtime's, plus its extensions' (as Lambda counts the
        whole sandbox). Each process's own peak, summed: at most their joint peak."""
        return max(self._peak_rss, self._runtime.peak_rss() + self._extensions_peak())

    def _extensions_peak(self) -> int:
        pids = self._extensions()
        if not pids:
            return 0
        return sum(self._status(pid).peak_rss() for pid in pids)

    def _status(self, extension: int) -> ProcessStatus:
        status = self._extension_status.get(extension)
        if status is None:
            status = self._extension_status[extension] = ProcessStatus(extension)
        return status

    def note_peak(self) -> None:
        """Keep the runtime's peak now, while it is still there to measure (a failed init)."""
        self._peak_rss = self.peak_rss()

    def start_polling(
        self, limit_bytes: int, running: Callable[[], bool], over: Callable[[], None]
    ) -> None:
        """Every MEMORY_POLL_S while `running()`: note the runtime's RSS, and call `over` once it
        exceeds `limit_bytes`. The poll's timer outlives `stop_polling` until it next fires, so
        that invokes in a row share it instead of each making and cancelling one."""
        self._polling = (limit_bytes, running, over)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(MEMORY_POLL_S, self._poll)

    def _poll(self) -> None:
        self._timer = None
        if self._polling is None:
            return
        limit_bytes, running, over = self._polling
        if not running():
            return
        rss = self._runtime.rss() + sum(self._status(pid).rss() for pid in self._extensions())
        self._peak_rss = max(self._peak_rss, rss)
        if rss > limit_bytes:
            self._polling = None
            over()
            return
        self._timer = asyncio.get_running_loop().call_later(MEMORY_POLL_S, self._poll)

    def stop_polling(self) -> None:
        self._polling = None

    def freeze(self) -> None:
        """Lambda freezes the sandbox once the runtime asks for the next event: background
        threads stop (FREEZE_AFTER_S later, unless an event comes first) and resume at the next
        invoke. Under steady traffic one timer serves many invokes: it is armed only when none
        is, and when it fires for an environment that was thawed since, it is armed again for
        the rest of its idle time, or not at all if it is busy."""
        if self.frozen:
            return
        loop = asyncio.get_running_loop()
        self._idle_since = loop.time()
        if self._freezing is None:
            self._freezing = loop.call_later(FREEZE_AFTER_S, self._stop)

    def _stop(self) -> None:
        self._freezing = None
        idle_since = self._idle_since
        if idle_since is None or self.frozen:  # thawed and busy again: freeze() comes later
            return
        loop = asyncio.get_running_loop()
        left = idle_since + FREEZE_AFTER_S - loop.time()
        if left > 0.0005:  # idle again since the timer was armed: the rest of its idle time
            self._freezing = loop.call_later(left, self._stop)
            return
        self._idle_since = None
        self.frozen = True
        self._child.signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self._idle_since = None
        if self.frozen:
            self.frozen = False
            self._child.signal(signal.SIGCONT)

    def close(self) -> None:
        self._polling = None
        self._idle_since = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._freezing is not None:
            self._freezing.cancel()
            self._freezing = None
        for status in (*self._statuses(), *self._extension_status.values()):
            if status is not None:
                status.close()

    def _statuses(self) -> tuple[ProcessStatus | None, ...]:
        return (self._runtime, self._outer)
