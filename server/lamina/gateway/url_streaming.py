"""A streamed answer passed through as it comes: a RESPONSE_STREAM Function URL's, and a REST
API's STREAM integration's (rest_streaming sets the limits API Gateway applies to those).

The function's runtime streams (a chunked `POST /response`, see runtime/chunked_body); its first
bytes are the HTTP prelude (`statusCode`, `headers`, `cookies`, then eight NUL bytes), which
gives the response's head. Once the prelude is whole the client gets the head, then each chunk
as the runtime sends it (HTTP chunked). An answer that ends before any prelude (a function that
does not stream, or streams something else) is returned whole, for the caller to judge.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from lamina.gateway.http_types import HttpResponse
from lamina.gateway.integration_timeout import LateInvocations
from lamina.gateway.responses import PRELUDE_END, URL_PRELUDE, BadResult, streamed_response
from lamina.runtime.invocation import InvocationResult

# (function, event, request id, chunk listener) -> the invocation's result
StreamingInvoke = Callable[[str, bytes, str, Callable[[bytes], None]], Awaitable[InvocationResult]]


@dataclass(frozen=True)
class StreamLimits:
    """What the one streaming answers allows (None: no limit; a Function URL has none)."""

    fields: frozenset[str] = URL_PRELUDE  # the prelude's fields
    head_s: float | None = None  # the wait for the prelude (REST: the integration timeout)
    prelude_bytes: int | None = None  # a good prelude must be whole within so many bytes
    idle_s: float | None = None  # the longest wait for the next chunk
    total_s: float | None = None  # the longest stream, from the invocation's start
    held: Callable[[], bool] = lambda: False  # a debugger holds the function: no clock runs
    late: LateInvocations | None = None  # keeps invocations the client stopped waiting for


URL_LIMITS = StreamLimits()


class NoPrelude(Exception):
    """A strict stream (`prelude_bytes` set) has no prelude within its first `prelude_bytes`,
    or a malformed one (the message says which)."""


async def start_stream(
    invoke: StreamingInvoke,
    function: str,
    event: bytes,
    request_id: str,
    on_end: Callable[[InvocationResult | None, str], None],
    limits: StreamLimits = URL_LIMITS,
) -> HttpResponse | InvocationResult:
    """The streamed response (its head now, its body as it comes), or the whole result of an
    invocation that ended before a prelude did. `on_end(result, how)` hears how a stream
    ended (the result is None if the invocation itself failed). Raises asyncio.TimeoutError
    when no prelude came within `limits.head_s`, NoPrelude when none came in time."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    chunks: asyncio.Queue[bytes | str | None] = asyncio.Queue()
    head: asyncio.Future[HttpResponse] = loop.create_future()
    prelude = bytearray()
    watchdog = _Watchdog(chunks, limits, started)

    def on_chunk(data: bytes) -> None:
        if head.done():
            if not head.cancelled() and head.exception() is None and not watchdog.cut:
                watchdog.last = loop.time()
                chunks.put_nowait(data)
            return
        prelude.extend(data)
        meta, separator, rest = bytes(prelude).partition(PRELUDE_END)
        if not separator:
            if limits.prelude_bytes is not None and len(prelude) > limits.prelude_bytes:
                why = f"no prelude in the first {len(prelude)} bytes of the stream"
                head.set_exception(NoPrelude(f"{why} (JSON metadata, then eight NUL bytes)"))
            return
        try:
            response = streamed_response(meta + PRELUDE_END, limits.fields)
        except BadResult as e:
            if limits.prelude_bytes is not None:  # strict (a REST API's): a bad one is refused
                head.set_exception(NoPrelude(f"malformed streaming prelude: {e}"))
            return  # not a prelude: the whole answer is judged when it ends
        head.set_result(response)
        if rest:
            chunks.put_nowait(rest)

    task = asyncio.ensure_future(invoke(function, event, request_id, on_chunk))
    either: set[asyncio.Future[Any]] = {task, head}
    while True:
        done, _ = await asyncio.wait(
            either, timeout=limits.head_s, return_when=asyncio.FIRST_COMPLETED
        )
        if done or not limits.held():
            break
    if not head.done() and not task.done():  # the integration timeout passed
        head.cancel()
        _keep(task, limits)
        raise asyncio.TimeoutError
    if not head.done():
        head.cancel()
        return task.result()
    if head.exception() is not None:
        _keep(task, limits)
        head.result()  # raises NoPrelude
    task.add_done_callback(lambda _: chunks.put_nowait(None))
    response = head.result()
    watchdog.start()
    response.stream = _body(chunks, task, on_end, limits, watchdog)
    return response


def _keep(task: asyncio.Future[InvocationResult], limits: StreamLimits) -> None:
    """The invocation runs on without a client, as on AWS."""
    if limits.late is not None:
        limits.late.keep(task)


class _Watchdog:
    """Puts why a stream is cut into its queue when a limit passes (`limits.idle_s` without a
    chunk, `limits.total_s` since the start): one timer a stream, not one a chunk."""

    def __init__(
        self, chunks: asyncio.Queue[bytes | str | None], limits: StreamLimits, started: float
    ) -> None:
        self.chunks, self.limits, self.started = chunks, limits, started
        self.last = started  # when the last chunk came
        self.timer: asyncio.TimerHandle | None = None
        self.cut = False  # a limit passed: the rest of the stream goes nowhere

    def start(self) -> None:
        if self.limits.idle_s is not None or self.limits.total_s is not None:
            self.check()

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()

    def cut_off(self, why: str) -> None:
        self.cut = True
        self.chunks.put_nowait(why)

    def check(self) -> None:
        loop = asyncio.get_running_loop()
        now, limits = loop.time(), self.limits
        if limits.held():  # a debugger holds the function: its silence is not idleness
            self.last = now
        waits = []
        if limits.total_s is not None:
            if now - self.started >= limits.total_s:
                return self.cut_off(f"the stream reached its {limits.total_s:g} s limit: cut")
            waits.append(self.started + limits.total_s - now)
        if limits.idle_s is not None:
            if now - self.last >= limits.idle_s:
                return self.cut_off(f"no chunk for {limits.idle_s:g} s: the idle stream was cut")
            waits.append(self.last + limits.idle_s - now)
        self.timer = loop.call_later(min(waits), self.check)


async def _body(
    chunks: asyncio.Queue[bytes | str | None],
    task: asyncio.Future[InvocationResult],
    on_end: Callable[[InvocationResult | None, str], None],
    limits: StreamLimits,
    watchdog: _Watchdog,
) -> AsyncIterator[bytes]:
    try:
        while isinstance(data := await chunks.get(), bytes):
            yield data
    except GeneratorExit:  # the client went away: the function runs on, as on AWS
        watchdog.cut = True  # what it still writes goes nowhere
        _keep(task, limits)
        task.add_done_callback(lambda _: _ended(task, on_end, "the client went away; "))
        raise
    finally:
        watchdog.stop()
    if isinstance(data, str):  # a limit passed: the function runs on, as on AWS
        _keep(task, limits)
        on_end(None, data)
        return
    _ended(task, on_end)


def _ended(
    task: asyncio.Future[InvocationResult],
    on_end: Callable[[InvocationResult | None, str], None],
    before: str = "",
) -> None:
    """Tells `on_end` how the invocation behind a stream ended (`before` says more)."""
    if task.cancelled() or task.exception() is not None:
        why = task.exception() if not task.cancelled() else ""
        on_end(None, f"{before}the stream broke off: {why}")
        return
    result = task.result()
    if result.ok:
        on_end(result, f"{before}the stream ended")
    else:  # error trailers: the client just sees the stream end, as on AWS
        error = result.error or {}
        why = f"{error.get('errorType')}: {error.get('errorMessage')}"
        on_end(result, f"{before}the stream ended with {why}")
