"""`lamina serve`'s one line per invocation.

Lines are collected and written together at most every 50 ms, so a busy emulator pays one write
per batch rather than one per invoke (a logging call plus a write cost about a tenth of a warm
invoke). Without a sink (the emulator embedded in another process) the lines go to the
`lamina.emulator.invoke` logger instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from lamina.emulator.function_logs import FunctionLogs
from lamina.runtime.invocation import InvocationResult

log = logging.getLogger("lamina.emulator.invoke")
FLUSH_INTERVAL_S = 0.05


class InvocationLog:
    def __init__(self, sink: Callable[[str], None] | None = None) -> None:
        self._sink = sink
        self._lines: list[str] = []
        self._flush: asyncio.TimerHandle | None = None
        self._second = 0
        self._clock = ""
        self.function_logs = FunctionLogs()  # each function's output, for FilterLogEvents

    def invoked(
        self, function: str, kind: str, result: InvocationResult, elapsed_ms: float
    ) -> None:
        self.function_logs.add(function, result)
        error = result.error or {}
        outcome = "ok" if result.ok else f"error {error.get('errorType', 'Unknown')}"
        cold = " (cold)" if result.cold else ""
        self.line(
            f"invoke {function}:{result.executed_version} {kind} {outcome} "
            f"{elapsed_ms:.2f} ms{cold}"
        )

    def line(self, text: str) -> None:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._clock = time.strftime("%H:%M:%S", time.localtime(now))
        self._lines.append(f"{self._clock} {text}\n")
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_later(FLUSH_INTERVAL_S, self.flush)

    def flush(self) -> None:
        self._flush = None
        lines, self._lines = self._lines, []
        if not lines:
            return
        if self._sink is None:
            for text in lines:
                log.info("%s", text.rstrip("\n").split(" ", 1)[1])
            return
        with contextlib.suppress(OSError, ValueError):  # the terminal went away: go on
            self._sink("".join(lines))

    def close(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
        self.flush()
