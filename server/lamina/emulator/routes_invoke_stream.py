"""InvokeWithResponseStream: the answer as an event stream (application/vnd.amazon.eventstream
framing), a PayloadChunk then an InvokeComplete, as boto3's `invoke_with_response_stream` reads it.

A function that does not stream (every Python managed runtime) answers whole: its payload comes
as one chunk when it ends, as AWS sends it. A function that streams through the Runtime API (a
custom runtime, a web adapter: a chunked `POST /response`) has each chunk passed on as a
PayloadChunk as it comes; an error in its trailers, or an answer past the 200 MB limit, is in
InvokeComplete.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import struct
import time

from aiohttp import web

from lamina.emulator.api import Emulator, api
from lamina.emulator.routes_invoke import invoke_call
from lamina.runtime.invocation import InvocationRequest

routes = web.RouteTableDef()

STREAM_PREFIX = "/2021-11-15/functions"
STREAM_INVOCATION_TYPES = ("RequestResponse", "DryRun")
# A streaming function's answer has no content type of its own here (the Runtime API's POST
# gives one, not kept per chunk): what Lambda's streamed answers default to.
STREAMED_CONTENT_TYPE = "application/octet-stream"


def event_message(event_type: str, payload: bytes, content_type: str | None = None) -> bytes:
    """One event-stream message: prelude (lengths and their CRC), string headers, payload, CRC."""
    headers = [(":event-type", event_type), (":message-type", "event")]
    if content_type is not None:
        headers.append((":content-type", content_type))
    encoded = b"".join(
        bytes([len(name)])
        + name.encode()
        + b"\x07"
        + struct.pack(">H", len(value))
        + value.encode()
        for name, value in headers
    )
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    message = prelude + struct.pack(">I", binascii.crc32(prelude)) + encoded + payload
    return message + struct.pack(">I", binascii.crc32(message))


@routes.post(STREAM_PREFIX + "/{FunctionName}/response-streaming-invocations")
@api
async def invoke_with_response_stream(request: web.Request, emu: Emulator) -> web.StreamResponse:
    call = await invoke_call(request, emu, "InvokeWithResponseStream", STREAM_INVOCATION_TYPES)
    state, target, log_type = call.state, call.target, call.log_type
    if call.invocation_type == "DryRun":
        return web.Response(status=204)

    invoker = emu.invoker
    invoker.admit(state)
    started = time.perf_counter()
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
    invocation = InvocationRequest(
        payload=call.payload,
        client_context=call.context,
        invoked_function_arn=target.invoked_arn,
        tenant_id=call.tenant_id,
        on_chunk=chunks.put_nowait,
    )
    task = asyncio.ensure_future(invoker.invoke(target, invocation))
    task.add_done_callback(lambda _: chunks.put_nowait(None))
    first = await chunks.get()
    response: web.StreamResponse | None = None
    if first is not None:  # the function streams: the head now, each chunk as it comes
        response = _head(invocation.request_id, target.config.version, STREAMED_CONTENT_TYPE)
        await response.prepare(request)
        data: bytes | None = first
        while data is not None:
            if data:
                await response.write(
                    event_message("PayloadChunk", data, "application/octet-stream")
                )
            data = await chunks.get()
    result = await task  # an invoke that failed before any chunk raises here, as before
    emu.invocation_log.invoked(
        state.name, "RequestResponse", result, (time.perf_counter() - started) * 1000
    )
    complete: dict[str, str] = {}
    if not result.ok:
        error = result.error or {}
        complete["ErrorCode"] = str(error.get("errorType") or "Unhandled")
        complete["ErrorDetails"] = str(error.get("errorMessage") or "")
    if log_type == "Tail":
        complete["LogResult"] = base64.b64encode(result.log_tail(4096)).decode()
    if response is None:  # a buffered answer: one chunk when the function ends
        content_type = result.content_type.split(";", 1)[0].strip() or "application/json"
        response = _head(result.request_id, result.executed_version, content_type)
        await response.prepare(request)
        if result.ok and result.payload:
            await response.write(
                event_message("PayloadChunk", result.payload, "application/octet-stream")
            )
    await response.write(
        event_message("InvokeComplete", json.dumps(complete).encode(), "application/json")
    )
    await response.write_eof()
    return response


def _head(request_id: str, version: str, content_type: str) -> web.StreamResponse:
    return web.StreamResponse(
        status=200,
        headers={
            "Content-Type": content_type,
            "X-Amz-Executed-Version": version,
            "x-amzn-RequestId": request_id,
        },
    )
