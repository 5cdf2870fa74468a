"""An invocation's deadline: a timer that calls back once the function's timeout has passed, and
not before (the loop may fire a timer a little early: uvloop counts whole milliseconds, so it is
armed again for what is left). A debugger that attaches may cancel it (the timeout suspended).

One loop timer serves invocation after invocation: `cancel` only forgets the callback, and the
next `arm` keeps a timer that fires no later than its deadline (it is armed again, when it fires,
for what is left). Warm invokes in a row thus make and cancel no timer each (a few microseconds
of the server's CPU apiece); `close` ends the timer for good.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Deadline:
    def __init__(self) -> None:
        self._timer: asyncio.TimerHandle | None = None
        self._fires_at = 0.0  # when the timer is due, in time.perf_counter()'s terms
        self._at = 0.0
        self._expired: Callable[[], None] | None = None

    def arm(self, at: float, expired: Callable[[], None]) -> None:
        """Call `expired` once time.perf_counter() has passed `at`."""
        self._at, self._expired = at, expired
        if self._timer is not None:
            if self._fires_at <= at:
                return  # it fires first, and then waits for the rest
            self._timer.cancel()
            self._timer = None
        self._check()

    def _check(self) -> None:
        self._timer = None
        expired = self._expired
        if expired is None:  # cancelled: nothing to wait for
            return
        left = self._at - time.perf_counter()
        if left > 0:
            self._fires_at = self._at
            self._timer = asyncio.get_running_loop().call_later(left, self._check)
            return
        self._expired = None
        expired()

    def cancel(self) -> None:
        """Don't call back (the timer, if any, stays for the next `arm`)."""
        self._expired = None

    def close(self) -> None:
        self._expired = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
