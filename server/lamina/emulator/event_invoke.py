"""InvocationType=Event: what an accepted asynchronous invocation is, and the seam where it leaves
the API. The Invoke route hands each accepted event to an `EventDispatcher` and answers 202 once
`submit` returns, that is once the event is durable. `AsyncEventQueue` (async_queue.py) is the
implementation: a persistent queue with AWS's retries, maximum event age and destinations.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from lamina.runtime.invocation import new_request_id


@dataclass(frozen=True)
class AsyncEvent:
    """An accepted Event invocation. The function is looked up again when it runs (as Lambda
    does: an update in between means the new code runs it)."""

    function_name: str
    qualifier: str | None
    payload: bytes
    client_context: str | None = None
    request_id: str = field(default_factory=new_request_id)
    accepted_at: float = field(default_factory=time.time)
    # Hops so far through the emulator's own destinations (recursive loop detection).
    chain: int = 0
    tenant_id: str | None = None  # X-Amz-Tenant-Id (tenant isolation)


class EventDispatcher(Protocol):
    async def start(self) -> None: ...

    async def submit(self, event: AsyncEvent) -> None:
        """Take the event; when this returns, it survives a crash of the emulator."""

    async def close(self) -> None: ...
