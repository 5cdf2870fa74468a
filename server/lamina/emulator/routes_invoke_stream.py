"""InvokeWithResponseStream: the answer as an event stream (application/vnd.amazon.eventstream
framing), a PayloadChunk then an InvokeComplete, as boto3's `invoke_with_response_stream` reads it.

The runtime pool answers whole responses, so the payload comes as one chunk when the function
ends, which is what AWS sends for a function that does not stream (every Python managed
runtime). A function that streams through the Runtime API (a custom runtime, a web adapter)
is not passed through chunk by chunk yet (docs/http.md, "Not yet").
"""

from __future__ import annotations

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
    result = await invoker.invoke(
        target,
        InvocationRequest(
            payload=call.payload,
            client_context=call.context,
            invoked_function_arn=target.invoked_arn,
        ),
    )
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
    response = web.StreamResponse(
        status=200,
        headers={
            "Content-Type": result.content_type.split(";", 1)[0].strip() or "application/json",
            "X-Amz-Executed-Version": result.executed_version,
            "x-amzn-RequestId": result.request_id,
        },
    )
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
