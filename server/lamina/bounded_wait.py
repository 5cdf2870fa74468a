"""Waiting for a future for at most so long, without cancelling it and without losing a cancel.

Not `asyncio.wait_for(asyncio.shield(future), seconds)`: on Python 3.10 and 3.11, wait_for drops
a cancel that arrives just as the awaited future completes (gh-86296, fixed in 3.12), and the
cancelled task runs on as if it never was. The pool's reaper, cancelled by close() while it
waited for a killed environment's exit, went on reaping forever and close() never returned (a
test hung 1 run in 10 on one loaded core). asyncio.wait neither drops a cancel nor cancels what
it waits for.
"""

from __future__ import annotations

import asyncio
from typing import Any


async def wait_at_most(future: asyncio.Future[Any], seconds: float | None) -> bool:
    """Wait until `future` is done or `seconds` have passed (None: no limit); whether it is done.
    The future is left as it is either way (its result or exception is the caller's to take)."""
    if not future.done():
        await asyncio.wait({future}, timeout=seconds)
    return future.done()


async def wait_event(event: asyncio.Event, seconds: float | None) -> bool:
    """Wait until `event` is set or `seconds` have passed (None: no limit); whether it is set."""
    if not event.is_set():
        waiter = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({waiter}, timeout=seconds)
        finally:
            waiter.cancel()
    return event.is_set()
