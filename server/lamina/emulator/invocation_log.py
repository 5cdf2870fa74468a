"""`lamina serve`'s one line per invocation.

Lines are collected and written together at most every 50 ms, so a busy emulator pays one write
per batch rather than one per invoke (a logging call plus a write cost about a tenth of a warm
invoke). An invocation is only noted as it ends (`invoked`): its line and its output's log events
(for FilterLogEvents) are made with the batch, or when something reads them first, not before the
caller's answer goes out. Without a sink (the emulator embedded in another process) the lines go
to the `lamina.emulator.invoke` logger instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import NamedTuple

from lamina.emulator.function_logs import FunctionLogs
from lamina.runtime.invocation import InvocationResult

log = logging.getLogger("lamina.emulator.invoke")


class _Ended(NamedTuple):
    """What an ended invocation's line and log events need (not its payload)."""

    logs: str
    version: str
    request_id: str
    outcome: str  # "ok", or "error <errorType>"
    cold: bool


FLUSH_INTERVAL_S = 0.05


class InvocationLog:
    def __init__(self, sink: Callable[[str], None] | None = None) -> None:
        self._sink = sink
        self._lines: list[str] = []
        # Invocations ended since the last batch: (function, kind, what of the result the
        # line and the log events need, elapsed ms, when it ended), in order.
        self._ended: list[tuple[str, str, _Ended, float, float]] = []
        self._flush: asyncio.TimerHandle | None = None
        self._second = 0
        self._clock = ""
        self._function_logs = FunctionLogs()  # each function's output, for FilterLogEvents

    @property
    def function_logs(self) -> FunctionLogs:
        self._note_ended()
        return self._function_logs

    def invoked(
        self, function: str, kind: str, result: InvocationResult, elapsed_ms: float
    ) -> None:
        error = result.error or {}
        outcome = "ok" if result.ok else f"error {error.get('errorType', 'Unknown')}"
        ended = _Ended(
            result.logs, result.executed_version, result.request_id, outcome, result.cold
        )
        self._ended.append((function, kind, ended, elapsed_ms, time.time()))
        self._schedule()

    def _note_ended(self) -> None:
        """The ended invocations' lines and log events, in the order they ended."""
        ended, self._ended = self._ended, []
        for function, kind, result, elapsed_ms, at in ended:
            self._function_logs.add(function, result.logs, result.version, result.request_id, at)
            cold = " (cold)" if result.cold else ""
            self._add_line(
                f"invoke {function}:{result.version} {kind} {result.outcome} "
                f"{elapsed_ms:.2f} ms{cold}",
                at,
            )

    def line(self, text: str) -> None:
        if self._ended:
            self._note_ended()
        self._add_line(text, time.time())
        self._schedule()

    def _add_line(self, text: str, at: float) -> None:
        now = int(at)
        if now != self._second:
            self._second = now
            self._clock = time.strftime("%H:%M:%S", time.localtime(now))
        self._lines.append(f"{self._clock} {text}\n")

    def _schedule(self) -> None:
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_later(FLUSH_INTERVAL_S, self.flush)

    def flush(self) -> None:
        self._flush = None
        self._note_ended()
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
