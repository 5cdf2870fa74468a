"""The first invoke's wait for init, and what it answers when init did not go well.

Past the init limit: the timeout's log line and error, then the child is killed. A failed init:
the error the runtime posted, or else the runtime's exit (its code). The runtime may still be
posting its error as it exits, so its exit is awaited a moment (EXIT_GRACE_S) before the kill.
An init that went well settles nothing: the invocation goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from lamina.bounded_wait import wait_at_most
from lamina.runtime import sandbox_errors
from lamina.runtime.init_phase import InitPhase, InitTimedOut
from lamina.runtime.invocation_messages import Outcome
from lamina.runtime.invocation_report import init_timeout_line

EXIT_GRACE_S = 1.0


@dataclass
class ChildEnd:
    """How the environment's child ends, as the wait sees it."""

    exited: asyncio.Future[int] | None
    returncode: Callable[[], int | None]
    dead: Callable[[], bool]  # exited, or being killed
    kill: Callable[[], Awaitable[None]]


async def await_init(
    init: InitPhase,
    request_id: str,
    limit: float | None,
    init_timeout: float,
    child: ChildEnd,
    settle: Callable[[Outcome], None],
    log: Callable[[bytes], None],
) -> None:
    """Wait for init (at most `limit` seconds; None: no limit); settle the invocation if init
    timed out or failed. Raises what start() raised."""
    try:
        await init.wait(limit)
    except InitTimedOut:
        log(init_timeout_line(init_timeout))
        settle(Outcome.error(sandbox_errors.timed_out(request_id, init_timeout)))
        await child.kill()
        return
    if not child.dead() and init.error is None:
        return
    if child.exited is not None and child.returncode() is None:
        await wait_at_most(child.exited, EXIT_GRACE_S)
        if child.returncode() is None:
            await child.kill()
    if init.error is not None:
        settle(Outcome(False, init.error))
    else:
        settle(Outcome.error(sandbox_errors.exit_error(request_id, child.returncode() or 1)))
