"""A durable execution the editor follows, as last seen: what `lamina.run` answers with, what
`lamina.durableExecutions` lists, and what the lenses show."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lamina.lsp.run_command import RunRequest

if TYPE_CHECKING:
    from lamina.durable.local_api import ExecutionState, PendingCallback
    from lamina.runtime.invocation import InvocationResult

# How an execution's invocations run (a plain run, or one debug environment for all of them).
Invoke = Callable[[bytes], Awaitable["InvocationResult"]]
LIVE = ("RUNNING", "PAUSING", "PAUSED")  # the statuses of an execution that has not ended


@dataclass
class FollowedExecution:
    """An execution the editor started, as last seen."""

    request: RunRequest
    invoke: Invoke
    arn: str = ""
    status: str = "RUNNING"
    callbacks: list[PendingCallback] = field(default_factory=list)
    wakes_at: str | None = None
    history: list[str] = field(default_factory=list)
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    last: ExecutionState | None = None

    @property
    def function(self) -> str:
        return self.request.spec.logical_id

    def summary(self) -> dict[str, Any]:
        last = self.last
        return {
            "function": self.function,
            "executionArn": self.arn,
            "status": self.status,
            "result": None if last is None or last.result is None else _json(last.result),
            "error": None if last is None else last.error,
            "pendingCallbacks": [c.to_json() for c in self.callbacks],
            "wakesAt": self.wakes_at,
            "history": list(self.history),
        }


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
