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
    prelude_bytes: int | None = None  # the prelude must be whole within so many bytes
    idle_s: float | None = None  # the longest wait for the next chunk
    total_s: float | None = None  # the longest stream, from the invocation's start
    held: Callable[[], bool] = lambda: False  # a debugger holds the function: no clock runs
    late: LateInvocations | None = None  # keeps invocations the client stopped waiting for


URL_LIMITS = StreamLimits()


class NoPrelude(Exception):
    """The first `prelude_bytes` bytes of the stream hold no prelude."""


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
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
    head: asyncio.Future[HttpResponse] = loop.create_future()
    prelude = bytearray()

    def on_chunk(data: bytes) -> None:
        if head.done():
            if not head.cancelled() and head.exception() is None:
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
        except BadResult:
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
    response.stream = _body(chunks, task, on_end, limits, started)
    return response


def _keep(task: asyncio.Future[InvocationResult], limits: StreamLimits) -> None:
    """The invocation runs on without a client, as on AWS."""
    if limits.late is not None:
        limits.late.keep(task)


async def _next(
    chunks: asyncio.Queue[bytes | None], limits: StreamLimits, started: float
) -> bytes | None | str:
    """The next chunk, None at the end, or why the stream is cut (a limit passed)."""
    loop = asyncio.get_running_loop()
    while True:
        waits = [limits.idle_s] if limits.idle_s is not None else []
        if limits.total_s is not None:
            waits.append(started + limits.total_s - loop.time())
        if not waits:
            return await chunks.get()
        wait = max(0.0, min(waits))
        try:
            return await asyncio.wait_for(chunks.get(), wait)
        except asyncio.TimeoutError:
            if limits.held():
                continue
            if limits.total_s is not None and loop.time() - started >= limits.total_s:
                return f"the stream reached its {limits.total_s:g} s limit and was cut"
            return f"no chunk for {limits.idle_s:g} s: the idle stream was cut"


async def _body(
    chunks: asyncio.Queue[bytes | None],
    task: asyncio.Future[InvocationResult],
    on_end: Callable[[InvocationResult | None, str], None],
    limits: StreamLimits,
    started: float,
) -> AsyncIterator[bytes]:
    while isinstance(data := await _next(chunks, limits, started), bytes):
        yield data
    if isinstance(data, str):  # a limit passed: the function runs on, as on AWS
        _keep(task, limits)
        on_end(None, data)
        return
    if task.cancelled() or task.exception() is not None:
        on_end(None, f"the stream broke off: {task.exception() if not task.cancelled() else ''}")
        return
    result = task.result()
    if result.ok:
        on_end(result, "the stream ended")
    else:  # error trailers: the client just sees the stream end, as on AWS
        error = result.error or {}
        why = f"{error.get('errorType')}: {error.get('errorMessage')}"
        on_end(result, f"the stream ended with {why}")
