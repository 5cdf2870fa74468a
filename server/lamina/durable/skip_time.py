"""--skip-time: time skips only while no handler of the execution runs.

The runner's skipping clock fires a wait at once, even while the invocation that started it is
still returning (the SDK takes up to ~0.1 s to stop its checkpoint thread), so the history would
show WaitSucceeded before that invocation's InvocationCompleted, which AWS never does. Here an
execution whose handler runs is on real time: its timers wait their real time, and when the
invocation ends they are armed again and then skip (a handler that keeps running until its wait
is over still gets it, on time).

"Real time" is counted from the clock as it stood when the invocation began. The clock is one
for all executions, and another execution's skip moves it forward: measured on the moved clock,
a wait pending in the running invocation was due at once, at its next timer or at its next
checkpoint (which completes what is due, so that a running branch sees it), and under load
(three executions at a time, as the conformance suite runs) its WaitSucceeded came before the
InvocationCompleted (a CI run, requirement 1-9). So the running execution's checkpoints and
timers read its own time (the clock's skip at the invocation's start, plus real time), and its
events keep going forward: everything else it records (InvocationCompleted, a callback, a
skipped wait's end) is stamped later on the shared clock.
"""

from __future__ import annotations

import contextvars
import datetime
from collections.abc import Callable
from typing import Any, TypeVar

from aws_durable_execution_sdk_python_testing.clock import SkipClock, real_now
from aws_durable_execution_sdk_python_testing.worker.status import InvocationState

T = TypeVar("T")

# The clock's skip when the running invocation of the execution being worked on began; None
# when no handler of it runs (or time is real).
_INVOCATION_SKIP: contextvars.ContextVar[datetime.timedelta | None] = contextvars.ContextVar(
    "lamina_durable_invocation_skip", default=None
)


class SkipWhenIdleClock(SkipClock):
    """Skips to a timer's moment, except for the execution whose handler runs (see above)."""

    def skipped(self) -> datetime.timedelta:
        with self._lock:
            return self._skipped

    def now(self) -> datetime.datetime:
        skip = _INVOCATION_SKIP.get()
        if skip is not None:
            return real_now() + skip
        moment: datetime.datetime = super().now()
        return moment

    def arm(self, wake: datetime.datetime) -> float:
        if _INVOCATION_SKIP.get() is not None:
            return max((wake - self.now()).total_seconds(), 0.0)
        delay: float = super().arm(wake)
        return delay


class SkipWhileIdle:
    """Mixed into the executor before the runner's Executor: keeps, per execution, the clock's
    skip when its running invocation began, and runs that execution's checkpoints, timer arming
    and firing on it."""

    _clock: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._invocation_skips: dict[str, datetime.timedelta] = {}

    def _set_invocation_gate(self, arn: str, status: InvocationState) -> None:
        if status is InvocationState.INVOKING and isinstance(self._clock, SkipWhenIdleClock):
            self._invocation_skips[arn] = self._clock.skipped()
        elif status is InvocationState.COMPLETED:
            self._invocation_skips.pop(arn, None)
        super()._set_invocation_gate(arn, status)  # type: ignore[misc]

    def _on_its_own_time(self, arn: str, work: Callable[[], T]) -> T:
        running = self._invocation_gate(arn) is InvocationState.INVOKING  # type: ignore[attr-defined]
        token = _INVOCATION_SKIP.set(self._invocation_skips.get(arn) if running else None)
        try:
            return work()
        finally:
            _INVOCATION_SKIP.reset(token)

    def _checkpoint_execution(self, execution_arn: str, *args: Any, **kwargs: Any) -> Any:
        checkpoint = super()._checkpoint_execution  # type: ignore[misc]
        return self._on_its_own_time(
            execution_arn, lambda: checkpoint(execution_arn, *args, **kwargs)
        )

    def _schedule_earliest_pending(self, execution_arn: str) -> None:
        schedule = super()._schedule_earliest_pending  # type: ignore[misc]
        self._on_its_own_time(execution_arn, lambda: schedule(execution_arn))

    def _fire_due_operations(self, execution_arn: str) -> bool:
        fire = super()._fire_due_operations  # type: ignore[misc]
        fired: bool = self._on_its_own_time(execution_arn, lambda: fire(execution_arn))
        return fired
