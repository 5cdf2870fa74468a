"""An invocation's deadline: a timer that calls back once the function's timeout has passed, and
not before (the loop may fire a timer a little early: uvloop counts whole milliseconds, so it is
armed again for what is left). A debugger that attaches may cancel it (the timeout suspended)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Deadline:
    def __init__(self) -> None:
        self._timer: asyncio.TimerHandle | None = None

    def arm(self, at: float, expired: Callable[[], None]) -> None:
        """Call `expired` once time.perf_counter() has passed `at`."""
        self.cancel()
        self._check(at, expired)

    def _check(self, at: float, expired: Callable[[], None]) -> None:
        left = at - time.perf_counter()
        if left > 0:
            self._timer = asyncio.get_running_loop().call_later(left, self._check, at, expired)
            return
        self._timer = None
        expired()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
