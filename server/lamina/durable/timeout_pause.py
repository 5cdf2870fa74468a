"""ExecutionTimeoutPaused, as botocore's model documents it for PauseDurableExecution:

- `ExecutionTimeoutPaused` (default true): while the execution is paused its timeout does not
  run; on resume the timeout is extended by the time spent paused. An execution with a paused
  timeout still times out 366 days after it started.
- GetDurableExecution gains `PauseDetails` {PauseRequestTimestamp, ExecutionTimeoutPaused,
  Reason} while the execution is PAUSING or PAUSED, and `ExpectedExecutionTimeoutTimestamp`
  (start + timeout + time paused so far; 366 days after the start while paused with its
  timeout paused) while it has not ended.

The pause's record lives in the store beside the execution (store.py), so a restart keeps it:
the timeout of an execution paused with its timeout is not armed again until it is resumed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any

MAX_PAUSED_LIFETIME = datetime.timedelta(days=366)


@dataclass(frozen=True)
class PauseRecord:
    requested_at: datetime.datetime | None  # None: not paused now
    reason: str | None = None
    timeout_paused: bool = True
    paused_seconds: float = 0.0  # time spent paused with the timeout paused, before this pause

    @property
    def holds_timeout(self) -> bool:
        return self.requested_at is not None and self.timeout_paused


NOT_PAUSED = PauseRecord(None)


def _now(executor: Any) -> datetime.datetime:
    """The executor's clock, which the runner stamps its events with: under --skip-time it is
    ahead of the wall clock by the time skipped, so pauses must be stamped by it too."""
    clock = getattr(executor, "_clock", None)
    return clock.now() if clock is not None else datetime.datetime.now(datetime.timezone.utc)


def _record(executor: Any, arn: str) -> PauseRecord:
    read = getattr(executor._store, "pause_record", None)
    found = read(arn) if read is not None else None
    return found if isinstance(found, PauseRecord) else NOT_PAUSED


def _keep(executor: Any, arn: str, record: PauseRecord) -> None:
    write = getattr(executor._store, "save_pause_record", None)
    if write is not None:
        write(arn, record)


def deadline(execution: Any, record: PauseRecord) -> datetime.datetime | None:
    """When the execution times out (None: it has no timeout)."""
    started: datetime.datetime | None = execution.get_operation_execution_started().start_timestamp
    limit = int(execution.start_input.execution_timeout_seconds)
    if started is None or limit <= 0:
        return None
    if record.holds_timeout:
        return started + MAX_PAUSED_LIFETIME
    extended = started + datetime.timedelta(seconds=limit + record.paused_seconds)
    return min(extended, started + MAX_PAUSED_LIFETIME)


def timeout_left(executor: Any, arn: str) -> float | None:
    """Seconds until the execution's timeout, or None when none should be armed now."""
    record = _record(executor, arn)
    if record.holds_timeout:
        return None
    ends = deadline(executor.get_execution(arn), record)
    return None if ends is None else max((ends - _now(executor)).total_seconds(), 0.0)


def pause(executor: Any, arn: str, reason: str | None, timeout_paused: bool) -> None:
    """Record the pause (a repeated one leaves the first unchanged), then hold the timeout."""
    record = _record(executor, arn)
    if record.requested_at is None:
        record = replace(
            record, requested_at=_now(executor), reason=reason, timeout_paused=timeout_paused
        )
        _keep(executor, arn, record)
        _history(executor, arn, "ExecutionPaused", record.requested_at, reason, timeout_paused)
    if record.holds_timeout:
        executor.hold_timeout(arn)


def resume(executor: Any, arn: str, reason: str | None = None) -> None:
    """End the pause: the time it held the timeout extends it, and the timeout runs again."""
    record = _record(executor, arn)
    if record.requested_at is None:
        return
    now = _now(executor)
    paused = record.paused_seconds
    if record.timeout_paused:
        paused += (now - record.requested_at).total_seconds()
    _keep(executor, arn, PauseRecord(None, paused_seconds=paused))
    _history(executor, arn, "ExecutionResumed", now, reason, False)
    if record.timeout_paused:
        left = timeout_left(executor, arn)
        if left is not None:
            executor.arm_timeout(arn, left)


def _history(
    executor: Any, arn: str, kind: str, at: Any, reason: str | None, timeout_paused: bool
) -> None:
    """The pause or resume as a history event (pause_events.py), where the store keeps them."""
    add = getattr(executor._store, "add_pause_event", None)
    if add is not None:
        add(arn, kind, at, reason, timeout_paused)


def details(executor: Any, arn: str, status: str) -> dict[str, Any]:
    """What GetDurableExecution adds for this execution (its status as answered)."""
    if status not in ("RUNNING", "PAUSING", "PAUSED"):
        return {}
    record = _record(executor, arn)
    extra: dict[str, Any] = {}
    ends = deadline(executor.get_execution(arn), record)
    if ends is not None:
        extra["ExpectedExecutionTimeoutTimestamp"] = ends.timestamp()
    if record.requested_at is not None and status != "RUNNING":
        pause_details: dict[str, Any] = {
            "PauseRequestTimestamp": record.requested_at.timestamp(),
            "ExecutionTimeoutPaused": record.timeout_paused,
        }
        if record.reason:
            pause_details["Reason"] = record.reason
        extra["PauseDetails"] = pause_details
    return extra
