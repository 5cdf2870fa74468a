"""API Gateway's integration timeout around an invoke: REST APIs 29 s by default (or the
route's `TimeoutInMillis`), HTTP APIs 30 s at most. When it passes the client gets 504 while the
function runs on, as on AWS; while a debugger holds the function the clock waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from lamina.gateway.routes import ApiKind, Route
from lamina.runtime.invocation import InvocationResult

log = logging.getLogger("lamina.gateway")

REST_TIMEOUT_MS = 29_000  # REST APIs' default integration timeout
HTTP_TIMEOUT_MS = 30_000  # HTTP APIs' maximum


def timeout_ms(route: Route) -> int:
    limit = REST_TIMEOUT_MS if route.api.kind is ApiKind.REST else HTTP_TIMEOUT_MS
    if route.timeout_ms:
        limit = route.timeout_ms if route.api.kind is ApiKind.REST else min(route.timeout_ms, limit)
    return limit


class LateInvocations:
    """Invocations the gateway stopped waiting for, kept until they end (and their failure
    logged), so they are neither collected nor silent."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[InvocationResult]] = set()

    def keep(self, task: asyncio.Future[InvocationResult]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_finished_late)

    def run(self, pending: Awaitable[InvocationResult]) -> None:
        """Start an invocation nobody waits for (an asynchronous call)."""
        self.keep(asyncio.ensure_future(pending))


def _finished_late(task: asyncio.Future[InvocationResult]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.info("a timed-out invocation failed afterwards: %s", task.exception())


async def within(
    pending: Awaitable[InvocationResult],
    limit_s: float,
    held: Callable[[], bool],
    late: LateInvocations,
) -> InvocationResult:
    """The invocation's result, or asyncio.TimeoutError after `limit_s` (the invocation goes on
    in `late`); while `held()` (a debugger holds the function) the limit starts again."""
    loop = asyncio.get_running_loop()
    task: asyncio.Future[InvocationResult] = asyncio.ensure_future(pending)
    while True:
        # A future and a timer rather than asyncio.wait: less work for the loop.
        waiter: asyncio.Future[None] = loop.create_future()

        def wake(_: object = None, waiter: asyncio.Future[None] = waiter) -> None:
            if not waiter.done():
                waiter.set_result(None)

        task.add_done_callback(wake)
        timer = loop.call_later(limit_s, wake)
        try:
            await waiter
        finally:
            timer.cancel()
            task.remove_done_callback(wake)
        if task.done():
            return task.result()
        if not held():
            late.keep(task)
            raise asyncio.TimeoutError
