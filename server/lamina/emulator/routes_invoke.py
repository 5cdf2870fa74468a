"""Invoke: RequestResponse, Event (202) and DryRun (204).

This is the hot path (a warm invoke should cost well under a millisecond here), so it does only
what it must: find the function in memory, check the request, count it against reserved
concurrency and hand it to the runtime pool.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass

import orjson
from aiohttp import web

from lamina.emulator.api import Emulator, api, json_response, read_body
from lamina.emulator.durable_functions import (
    HANDLER_INVOKE_HEADER,
    durable_config,
    start_execution,
)
from lamina.emulator.errors import LambdaError, validation
from lamina.emulator.event_invoke import AsyncEvent
from lamina.emulator.invoker import Target
from lamina.emulator.lookup import find_function
from lamina.emulator.model import LATEST, FunctionState
from lamina.emulator.routes_functions import PREFIX
from lamina.emulator.tenancy import TENANT_HEADER, invoke_tenant
from lamina.runtime.invocation import InvocationRequest

routes = web.RouteTableDef()

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024  # 6,291,456
MAX_ASYNC_PAYLOAD = 1024 * 1024  # 1,048,576
MAX_CLIENT_CONTEXT = 3583
INVOCATION_TYPES = ("Event", "RequestResponse", "DryRun")  # in the order AWS's error lists them


def client_context(header: str | None) -> str | None:
    """X-Amz-Client-Context (base64 JSON) as the JSON text the runtime passes on."""
    if not header:
        return None
    if len(header) > MAX_CLIENT_CONTEXT:
        raise LambdaError(
            "InvalidParameterValueException",
            f"Client context must be at most {MAX_CLIENT_CONTEXT} bytes (base64)",
        )
    try:
        text = base64.b64decode(header, validate=True).decode("utf-8")
        if not isinstance(json.loads(text), dict):
            raise ValueError("not an object")
    except (binascii.Error, ValueError):
        raise LambdaError(
            "InvalidRequestContentException",
            "Client context must be a valid Base64-encoded JSON object.",
        ) from None
    return text


def check_payload(payload: bytes) -> bytes:
    if not payload:
        return b"{}"
    try:
        orjson.loads(payload)  # in C; what it takes json takes too (its error words AWS's)
        return payload
    except orjson.JSONDecodeError:
        pass
    try:
        json.loads(_json_text(payload))
    except ValueError as e:
        raise LambdaError(
            "InvalidRequestContentException",
            f"Could not parse request body into json: Could not parse payload into json: {e}",
        ) from None
    return payload


def _json_text(payload: bytes) -> str | bytes:
    """A UTF-8 payload decoded in C; any other (a BOM, UTF-16 or -32, bad UTF-8) as it is, for
    json.loads to sniff its encoding as before (which costs more than the decode)."""
    if payload.startswith(b"\xef\xbb\xbf") or b"\x00" in payload[:4]:
        return payload
    try:
        return payload.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return payload


@dataclass(slots=True)
class InvokeCall:
    """An invoke request checked as AWS checks it, with the function it names."""

    invocation_type: str
    log_type: str | None
    payload: bytes
    state: FunctionState
    qualifier: str | None
    target: Target
    context: str | None
    tenant_id: str | None


def check_types(
    invocation_type: str | None, log_type: str | None, types: tuple[str, ...]
) -> tuple[str, str | None]:
    """The invocation type (RequestResponse if none) and log type, checked."""
    invocation_type = invocation_type or "RequestResponse"
    if invocation_type not in types:
        raise validation(
            invocation_type,
            "invocationType",
            f"Member must satisfy enum value set: [{', '.join(types)}]",
        )
    if log_type not in (None, "None", "Tail"):
        raise validation(log_type, "logType", "Member must satisfy enum value set: [None, Tail]")
    return invocation_type, log_type


def payload_limit(invocation_type: str) -> int:
    return MAX_ASYNC_PAYLOAD if invocation_type == "Event" else MAX_SYNC_PAYLOAD


def checked_call(
    emu: Emulator,
    types: tuple[str, str | None],
    body: bytes,
    raw_name: str,
    qualifier: str | None,
    context_header: str | None,
    tenant_header: str | None,
) -> InvokeCall:
    """The checks after the types and the payload's size (the route and the front share
    them), in AWS's order: the payload's JSON, the function and qualifier, whether it can run
    now, the client context, the tenant."""
    payload = check_payload(body)
    state, qualifier, target = emu.invoker.find_target(raw_name, qualifier)
    emu.invoker.check_invocable(target, time.time())
    context = client_context(context_header)
    tenant_id = invoke_tenant(target.config, tenant_header)
    return InvokeCall(*types, payload, state, qualifier, target, context, tenant_id)


async def invoke_call(
    request: web.Request, emu: Emulator, operation: str, types: tuple[str, ...]
) -> InvokeCall:
    """The checks Invoke and InvokeWithResponseStream share, in AWS's order: invocation and
    log type, payload (size and JSON), the function and qualifier, whether it can run now, the
    client context."""
    headers = request.headers
    checked = check_types(
        headers.get("X-Amz-Invocation-Type"), headers.get("X-Amz-Log-Type"), types
    )
    body = await read_body(request, payload_limit(checked[0]), operation)
    return checked_call(
        emu,
        checked,
        body,
        request.match_info["FunctionName"],
        request.query.get("Qualifier"),
        headers.get("X-Amz-Client-Context"),
        headers.get(TENANT_HEADER),
    )


Answer = tuple[int, dict[str, str], bytes]


def dry_run() -> Answer:
    return 204, {"x-amzn-RequestId": str(uuid.uuid4())}, b""


async def queue_event(emu: Emulator, call: InvokeCall) -> Answer:
    """Event: queued (committed) before the 202; the queue runs it (throttling and retries
    included)."""
    state, context = call.state, call.context
    event = AsyncEvent(state.name, call.qualifier, call.payload, context, tenant_id=call.tenant_id)
    await emu.events.submit(event)
    return 202, {"x-amzn-RequestId": event.request_id}, b""


async def run_sync(emu: Emulator, call: InvokeCall) -> Answer:
    """RequestResponse: run it, and answer with the function's result."""
    invoker, target, state = emu.invoker, call.target, call.state
    invoker.admit(state)
    started = time.perf_counter()
    result = await invoker.invoke(
        target,
        InvocationRequest(
            payload=call.payload,
            client_context=call.context,
            invoked_function_arn=target.invoked_arn,
            tenant_id=call.tenant_id,
        ),
    )
    headers = {
        "X-Amz-Executed-Version": result.executed_version,
        "x-amzn-RequestId": result.request_id,
        "Content-Type": _content_type(result.content_type),
    }
    if not result.ok:
        headers["X-Amz-Function-Error"] = "Unhandled"
    if call.log_type == "Tail":
        headers["X-Amz-Log-Result"] = base64.b64encode(result.log_tail(4096)).decode()
    emu.invocation_log.invoked(
        state.name, "RequestResponse", result, (time.perf_counter() - started) * 1000
    )
    return 200, headers, result.payload


@routes.post(PREFIX + "/{FunctionName}/invocations")
@api
async def invoke(request: web.Request, emu: Emulator) -> web.StreamResponse:
    call = await invoke_call(request, emu, "Invoke", INVOCATION_TYPES)
    if call.invocation_type == "DryRun":
        answer = dry_run()
    else:
        durable = durable_config(call.target.config)
        if durable is not None and HANDLER_INVOKE_HEADER not in request.headers:
            return await start_execution(
                emu,
                call.state.name,
                call.qualifier,
                durable,
                call.payload,
                request.headers,
                call.invocation_type,
            )
        if call.invocation_type == "Event":
            answer = await queue_event(emu, call)
        else:
            answer = await run_sync(emu, call)
    status, headers, body = answer
    response = web.Response(status=status, body=body or None, headers=headers)
    if emu.front_invokes:
        # The front (fast_invoke.py) takes this client's next invoke on a new connection: this
        # one is aiohttp's for good, since it carried another request first.
        response.force_close()
    return response


def _content_type(value: str) -> str:
    return value.split(";", 1)[0].strip() or "application/json"


@routes.post("/2014-11-13/functions/{FunctionName}/invoke-async/")
@routes.post("/2014-11-13/functions/{FunctionName}/invoke-async")
@api
async def invoke_async(request: web.Request, emu: Emulator) -> web.StreamResponse:
    """InvokeAsync (deprecated by AWS, still served): the body is the event, queued as an Event
    invoke of the unqualified function (retries, destinations and all); 202 {"Status": 202}."""
    payload = check_payload(await read_body(request, MAX_ASYNC_PAYLOAD, "InvokeAsync"))
    state, qualifier = find_function(
        emu.store, emu.arns, request.match_info["FunctionName"], missing_qualifier=LATEST
    )
    event = AsyncEvent(state.name, qualifier, payload, None)
    await emu.events.submit(event)
    response = json_response({"Status": 202}, 202)
    response.headers["x-amzn-RequestId"] = event.request_id
    return response
