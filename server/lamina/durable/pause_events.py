"""The ExecutionPaused and ExecutionResumed history events (botocore's EventType enum, with
ExecutionPausedDetails and ExecutionResumedDetails), which the testing runner does not make.

timeout_pause.py records each pause and resume in the store as it happens; the history is the
runner's (every event, completed by history.py) with these put in by time, numbered again and
paged as the runner pages (a marker is the event id to start at; in reverse order, the last
id returned). The reason given is always in the event, as botocore's EventPauseReason shape
(Payload, Truncated): it is not the execution data IncludeExecutionData leaves out.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from aws_durable_execution_sdk_python_testing.model import (
    Event,
    GetDurableExecutionHistoryResponse,
)

PAUSED = "ExecutionPaused"
RESUMED = "ExecutionResumed"
DEFAULT_PAGE = 100  # the runner's


@dataclasses.dataclass(frozen=True)
class PauseEvent(Event):
    details: tuple[tuple[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = super().to_dict()
        result[f"{self.event_type}Details"] = dict(self.details)
        return result


def event(kind: str, at: datetime.datetime, reason: str | None, timeout_paused: bool) -> Event:
    """One recorded pause or resume as its history event."""
    stamp = "PauseRequestTimestamp" if kind == PAUSED else "ResumeRequestTimestamp"
    details: list[tuple[str, Any]] = [(stamp, at)]
    if reason is not None:
        details.append(("Reason", {"Payload": reason, "Truncated": False}))
    if kind == PAUSED:
        details.append(("ExecutionTimeoutPaused", timeout_paused))
    return PauseEvent(event_type=kind, event_timestamp=at, details=tuple(details))


def merged(
    everything: GetDurableExecutionHistoryResponse,
    pauses: list[Event],
    reverse_order: bool,
    marker: str | None,
    max_items: int | None,
) -> GetDurableExecutionHistoryResponse:
    """The whole history with the pause events in it, then one page of it."""
    events = sorted([*everything.events, *pauses], key=lambda e: e.event_timestamp)
    events = [dataclasses.replace(e, event_id=i) for i, e in enumerate(events, 1)]
    if reverse_order:
        events.reverse()
    start = 0
    if marker:
        try:
            at = int(marker)
        except ValueError:
            at = None
        if at is not None:
            start = next(
                (
                    i
                    for i, e in enumerate(events)
                    if (e.event_id < at if reverse_order else e.event_id >= at)
                ),
                len(events),
            )
    end = start + (DEFAULT_PAGE if max_items is None else max_items)
    page = events[start:end]
    next_marker = None
    if end < len(events):
        next_marker = str(page[-1].event_id if reverse_order else events[end].event_id)
    return dataclasses.replace(everything, events=page, next_marker=next_marker)
