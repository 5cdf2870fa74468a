"""lamina.bounded_wait keeps a cancel that arrives as the awaited thing completes. On Python 3.11
`asyncio.wait_for(asyncio.shield(f), t)` drops it (gh-86296): the pool's reaper, cancelled that
way by close(), went on forever and close() never returned."""

from __future__ import annotations

import asyncio
import sys

import pytest

from lamina.bounded_wait import wait_at_most, wait_event


async def _cancel_as_it_completes(wait: asyncio.Task[bool], complete: object) -> None:
    await asyncio.sleep(0)  # the task is now waiting
    complete()  # type: ignore[operator]
    wait.cancel()  # in the same loop turn, before the task wakes
    with pytest.raises(asyncio.CancelledError):
        await wait


def test_a_cancel_as_the_future_completes_is_not_lost() -> None:
    async def main() -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        wait = asyncio.ensure_future(wait_at_most(future, 10))
        await _cancel_as_it_completes(wait, lambda: future.set_result(None))
        assert future.result() is None  # left as it was: never cancelled by the wait

    asyncio.run(main())


def test_a_cancel_as_the_event_is_set_is_not_lost() -> None:
    async def main() -> None:
        event = asyncio.Event()
        wait = asyncio.ensure_future(wait_event(event, 10))
        await _cancel_as_it_completes(wait, event.set)

    asyncio.run(main())


def test_the_bounds() -> None:
    async def main() -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        assert await wait_at_most(future, 0.01) is False
        assert not future.cancelled()
        future.set_result(None)
        assert await wait_at_most(future, 0.01) is True
        event = asyncio.Event()
        assert await wait_event(event, 0.01) is False
        asyncio.get_running_loop().call_later(0.01, event.set)
        assert await wait_event(event, None) is True
        assert len(asyncio.all_tasks()) == 1  # no waiter left behind

    asyncio.run(main())


def test_the_pattern_replaced_loses_it_before_3_12() -> None:
    """What the helper is for, shown on this interpreter (3.12 rewrote wait_for on
    asyncio.timeout, which keeps the cancel): once no supported Python loses it, the helper
    can go."""

    async def main() -> bool:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        wait = asyncio.ensure_future(asyncio.wait_for(asyncio.shield(future), 10))
        await asyncio.sleep(0)
        future.set_result(None)
        wait.cancel()
        try:
            await wait
        except asyncio.CancelledError:
            return False
        return True

    assert asyncio.run(main()) is (sys.version_info < (3, 12))
