"""A RESPONSE_STREAM Function URL passing a streamed answer through as it comes.

The function's runtime streams (a chunked `POST /response`, see runtime/chunked_body); its first
bytes are the HTTP prelude (`statusCode`, `headers`, `cookies`, then eight NUL bytes), which
gives the response's head. Once the prelude is whole the client gets the head, then each chunk
as the runtime sends it (HTTP chunked). An answer that ends before any prelude (a function that
does not stream, or streams something else) is read whole, as a buffered URL's is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from lamina.gateway.http_types import HttpResponse
from lamina.gateway.responses import PRELUDE_END, BadResult, streamed_response
from lamina.runtime.invocation import InvocationResult

# (function, event, request id, chunk listener) -> the invocation's result
StreamingInvoke = Callable[[str, bytes, str, Callable[[bytes], None]], Awaitable[InvocationResult]]


async def start_stream(
    invoke: StreamingInvoke,
    function: str,
    event: bytes,
    request_id: str,
    on_end: Callable[[InvocationResult | None, str], None],
) -> HttpResponse | InvocationResult:
    """The streamed response (its head now, its body as it comes), or the whole result of an
    invocation that ended before a prelude did. `on_end(result, how)` hears how a stream
    ended (the result is None if the invocation itself failed)."""
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
    head: asyncio.Future[HttpResponse] = loop.create_future()
    prelude = bytearray()

    def on_chunk(data: bytes) -> None:
        if head.done():
            chunks.put_nowait(data)
            return
        prelude.extend(data)
        meta, separator, rest = bytes(prelude).partition(PRELUDE_END)
        if not separator:
            return
        try:
            response = streamed_response(meta + PRELUDE_END)
        except BadResult:
            return  # not a prelude: the whole answer is read when it ends
        head.set_result(response)
        if rest:
            chunks.put_nowait(rest)

    task = asyncio.ensure_future(invoke(function, event, request_id, on_chunk))
    either: set[asyncio.Future[Any]] = {task, head}
    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    if not head.done():
        head.cancel()
        return task.result()
    task.add_done_callback(lambda _: chunks.put_nowait(None))
    response = head.result()
    response.stream = _body(chunks, task, on_end)
    return response


async def _body(
    chunks: asyncio.Queue[bytes | None],
    task: asyncio.Future[InvocationResult],
    on_end: Callable[[InvocationResult | None, str], None],
) -> AsyncIterator[bytes]:
    while (data := await chunks.get()) is not None:
        yield data
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
