"""An environment's init phase: from the child's start to the runtime's first `/next` (or its
init error), and how long that took. Its limit counts from when the child runs, not from a
package-set install that may come first (seconds, once per Python)."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from lamina.bounded_wait import wait_at_most


class SpawnedChild(Protocol):
    @property
    def spawned_at(self) -> float: ...


class InitTimedOut(Exception):
    """Init ran past its limit."""


class InitPhase:
    def __init__(self) -> None:
        self.duration_ms: float | None = None
        self.error: bytes | None = None  # the body of the error the runtime posted
        self._done: asyncio.Future[None] | None = None
        # Set when start() is over: the child runs and is watched (or start failed, or a kill
        # came first).
        self._running: asyncio.Future[None] | None = None

    def begin(self, loop: asyncio.AbstractEventLoop) -> None:
        self._done = loop.create_future()
        self._running = loop.create_future()

    @property
    def begun(self) -> bool:
        return self._done is not None

    @property
    def running(self) -> bool:
        """The child was started and is watched."""
        running = self._running
        return running is not None and running.done() and running.exception() is None

    def started(self, error: BaseException | None = None) -> None:
        """start() is over: the child runs, or it never will (`error`)."""
        assert self._running is not None
        if error is None:
            self._running.set_result(None)
            return
        self._running.set_exception(error)
        self._running.exception()  # retrieved: the caller of start() gets it too

    def finish(self, child: SpawnedChild | None) -> bool:
        """The runtime is ready (or has failed): True the first time, with the duration taken
        since the child's spawn."""
        if self._done is None or self._done.done():
            return False
        spawned_at = child.spawned_at if child is not None else time.perf_counter()
        self.duration_ms = (time.perf_counter() - spawned_at) * 1000
        self._done.set_result(None)
        return True

    def end(self) -> None:
        """The child exited: nothing waits for init any longer."""
        if self._done is not None and not self._done.done():
            self._done.set_result(None)

    async def wait(self, limit: float | None) -> None:
        """Until init is over: raises what start() raised, or InitTimedOut past `limit` seconds
        of the child's run (None: no limit)."""
        assert self._done is not None and self._running is not None, "begin() first"
        await asyncio.shield(self._running)
        if not await wait_at_most(self._done, limit):
            raise InitTimedOut
