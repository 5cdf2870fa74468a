"""The limits API Gateway puts on a REST API's stream (5 idle minutes, 15 minutes in all) as
url_streaming's watchdog applies them, with short limits: what ends up in the stream's queue
when one passes, and that a debugger holding the function stops the idle clock. (The whole
stream is tested end to end in test_api_rest_streaming.py; minutes-long limits can't be.)"""

from __future__ import annotations

import asyncio

from lamina.gateway.url_streaming import StreamLimits, _Watchdog


async def _cut_reason(limits: StreamLimits) -> str | bytes | None:
    queue: asyncio.Queue[bytes | str | None] = asyncio.Queue()
    watchdog = _Watchdog(queue, limits, asyncio.get_running_loop().time())
    watchdog.start()
    try:
        return await asyncio.wait_for(queue.get(), 30)
    finally:
        watchdog.stop()


def test_an_idle_stream_is_cut() -> None:
    why = asyncio.run(_cut_reason(StreamLimits(idle_s=0.05, total_s=600)))
    assert why == "no chunk for 0.05 s: the idle stream was cut"


def test_a_stream_is_cut_at_its_total_limit() -> None:
    why = asyncio.run(_cut_reason(StreamLimits(idle_s=600, total_s=0.05)))
    assert why == "the stream reached its 0.05 s limit: cut"


def test_a_held_function_is_not_idle() -> None:
    async def held_for_a_while() -> bool:
        queue: asyncio.Queue[bytes | str | None] = asyncio.Queue()
        limits = StreamLimits(idle_s=0.01, held=lambda: True)
        watchdog = _Watchdog(queue, limits, asyncio.get_running_loop().time())
        watchdog.start()
        await asyncio.sleep(0.2)  # twenty idle limits
        watchdog.stop()
        return queue.empty() and not watchdog.cut

    assert asyncio.run(held_for_a_while())
