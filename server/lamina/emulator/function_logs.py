"""Each function's recent output lines, kept for CloudWatch Logs' FilterLogEvents.

Every invocation's log (START, the function's own lines, END, REPORT) is split into events,
one per line, each stamped with the time the invocation ended (Lamina's runtime hands the
output over when the invocation ends; the line's own position keeps the order). A function
keeps its last MAX_EVENTS lines: a ring, so a chatty function cannot grow the emulator's
memory. Kept in memory only: `lamina serve`'s logs do not outlive it (its one-line summaries
still go to its terminal).
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from lamina.emulator.log_filter import compile_pattern
from lamina.emulator.model import VersionConfig

MAX_EVENTS = 10_000  # per function
MAX_PAGE = 10_000  # FilterLogEvents' own cap on `limit`


@dataclass(slots=True)
class LogEvent:
    sequence: int  # across all functions: the paging key
    timestamp: int  # epoch ms
    stream: str
    message: str

    def shape(self) -> dict[str, Any]:
        return {
            "logStreamName": self.stream,
            "timestamp": self.timestamp,
            "message": self.message,
            "ingestionTime": self.timestamp,
            "eventId": f"{self.timestamp:020d}{self.sequence:016d}",
        }


class FunctionLogs:
    def __init__(self, max_events: int = MAX_EVENTS) -> None:
        self._max = max_events
        self._groups: dict[str, deque[LogEvent]] = {}
        self._sequence = 0

    def add(self, function: str, logs: str, version: str, request_id: str, at: float) -> None:
        """An invocation's output (`logs`), stamped with `at` (epoch seconds: when it ended)."""
        if not logs:
            return
        now = int(at * 1000)
        stream = (
            time.strftime("%Y/%m/%d", time.gmtime(at))
            + f"/[{version}]{request_id.replace('-', '')}"
        )
        events = self._groups.get(function)
        if events is None:
            events = self._groups[function] = deque(maxlen=self._max)
        for line in logs.splitlines():
            if line.strip():
                self._sequence += 1
                events.append(LogEvent(self._sequence, now, stream, line + "\n"))

    def group_names(self) -> list[str]:
        return sorted(f"/aws/lambda/{name}" for name in self._groups)

    def filter(
        self,
        function: str,
        start_time: int | None = None,
        end_time: int | None = None,
        pattern: str = "",
        after: int = 0,
        limit: int = MAX_PAGE,
    ) -> tuple[list[LogEvent], int | None]:
        """Matching events after sequence `after`, at most `limit`; and the sequence to go on
        from when more may match (None once all were given)."""
        matches = compile_pattern(pattern)
        found: list[LogEvent] = []
        for event in self._groups.get(function, ()):
            if event.sequence <= after:
                continue
            if start_time is not None and event.timestamp < start_time:
                continue
            if end_time is not None and event.timestamp > end_time:
                continue
            if not matches(event.message):
                continue
            if len(found) == limit:
                return found, found[-1].sequence
            found.append(event)
        return found, None


def logging_environment(config: VersionConfig) -> tuple[tuple[str, str], ...]:
    """The variables Lambda sets from a function's LoggingConfig: with LogFormat JSON, the
    runtime writes JSON records (AWS_LAMBDA_LOG_FORMAT) at ApplicationLogLevel and above
    (AWS_LAMBDA_LOG_LEVEL, INFO unless given). Managed Instances (a CapacityProviderConfig) log
    in JSON whatever the LogFormat."""
    echoed = dict(config.echoed)
    given = echoed.get("LoggingConfig")
    settings = json.loads(given) if given else {}
    if not isinstance(settings, dict):
        return ()
    managed = "CapacityProviderConfig" in echoed
    if not managed and str(settings.get("LogFormat", "")).upper() != "JSON":
        return ()
    level = str(settings.get("ApplicationLogLevel") or "INFO")
    return (("AWS_LAMBDA_LOG_FORMAT", "JSON"), ("AWS_LAMBDA_LOG_LEVEL", level))
