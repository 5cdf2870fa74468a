"""Function URLs: Create/Get/Update/Delete/ListFunctionUrlConfigs, and the URLs themselves.

Each URL is served by the emulator at `/lambda-url/<url-id>/` (what GetFunctionUrlConfig
returns), through the gateway's Function URL front (payload 2.0, AWS_IAM's signature check,
result → response). A request with a Host header `<url-id>.lambda-url.<region>.localhost`
reaches the same function with its path as is (`function_url_hosts`, a middleware, since a Host
is no route).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from lamina.emulator.api import (
    EMULATOR,
    Emulator,
    api,
    empty_response,
    json_response,
    paginate,
    read_json,
    string,
)
from lamina.emulator.errors import LambdaError, conflict, not_found, validation
from lamina.emulator.function_urls import new_config, registry_for
from lamina.emulator.lookup import check_region
from lamina.emulator.names import parse_function_ref
from lamina.emulator.store import FunctionStore
from lamina.emulator.tenancy import refuse_isolated
from lamina.gateway.front import Gateway
from lamina.gateway.function_urls import AUTH_IAM, AUTH_NONE, URL_PREFIX, FunctionUrl
from lamina.gateway.http_server import send_stream, to_http_request
from lamina.gateway.routes import RouteTable
from lamina.runtime.invocation import InvocationRequest, InvocationResult

routes = web.RouteTableDef()

URL_API = "/2021-10-31/functions/{FunctionName}"
INVOKE_MODES = ("BUFFERED", "RESPONSE_STREAM")
MISSING = "The resource you requested does not exist."
# What Create/Update/ListFunctionUrlConfigs answer for a function or alias that doesn't exist
# (Get and Delete answer MISSING), as AWS recorded.
NO_FUNCTION = "Function does not exist"


def _auth_type(body: dict[str, Any], required: bool) -> str | None:
    value = string(body, "AuthType")
    if value is None:
        if required:
            raise validation(None, "authType", "Member must not be null")
        return None
    if value not in (AUTH_NONE, AUTH_IAM):
        raise validation(value, "authType", "Member must satisfy enum value set: [NONE, AWS_IAM]")
    return value


def _invoke_mode(body: dict[str, Any]) -> str | None:
    value = string(body, "InvokeMode")
    if value is not None and value not in INVOKE_MODES:
        raise validation(
            value, "invokeMode", "Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]"
        )
    return value


def _target(request: web.Request, emu: Emulator, missing: str) -> tuple[str, str, str]:
    """(function name, qualifier or "", the function ARN the answers name). A function or
    alias that doesn't exist is 404 `missing` (the words differ by operation on AWS)."""
    raw = request.match_info["FunctionName"]
    name, qualifier = parse_function_ref(raw, request.query.get("Qualifier"))
    check_region(emu.arns, raw)
    state = emu.store.get(name)
    if state is None or (qualifier and qualifier not in state.aliases):
        raise not_found(missing)
    return state.name, qualifier or "", emu.arns.function(state.name, qualifier)


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


@routes.post(URL_API + "/url")
@api
async def create_function_url_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "CreateFunctionUrlConfig")
    name, qualifier, arn = _target(request, emu, NO_FUNCTION)
    auth = _auth_type(body, required=True)
    assert auth is not None
    state = emu.store.get(name)
    assert state is not None  # _target found it
    refuse_isolated(state.latest, "Function URL")
    registry = registry_for(emu.store)
    if registry.get(name, qualifier) is not None:
        raise conflict(
            f"Failed to create function url config for [functionArn = {arn}]. "
            "Error message:  FunctionUrlConfig exists for this Lambda function"
        )
    config = new_config(name, qualifier, auth, _invoke_mode(body), body.get("Cors"))
    await registry.save(config)
    return json_response(config.shape(_base_url(request), arn, with_modified=False), 201)


@routes.get(URL_API + "/url")
@api
async def get_function_url_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    name, qualifier, arn = _target(request, emu, MISSING)
    config = registry_for(emu.store).get(name, qualifier)
    if config is None:
        raise not_found(MISSING)
    return json_response(config.shape(_base_url(request), arn, with_modified=True))


@routes.put(URL_API + "/url")
@api
async def update_function_url_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    body = await read_json(request, "UpdateFunctionUrlConfig")
    name, qualifier, arn = _target(request, emu, NO_FUNCTION)
    registry = registry_for(emu.store)
    config = registry.get(name, qualifier)
    if config is None:
        raise not_found(MISSING)
    changes: dict[str, Any] = {}
    auth = _auth_type(body, required=False)
    if auth is not None:
        changes["auth_type"] = auth
    mode = _invoke_mode(body)
    if mode is not None:
        changes["invoke_mode"] = mode
    if "Cors" in body:
        changes["cors"] = body["Cors"]
    config = config.updated(**changes)
    await registry.save(config)
    shape = config.shape(_base_url(request), arn, with_modified=True)
    if config.invoke_mode is None:
        del shape["InvokeMode"]  # AWS's answer names it only once it was set (recorded)
    return json_response(shape)


@routes.delete(URL_API + "/url")
@api
async def delete_function_url_config(request: web.Request, emu: Emulator) -> web.StreamResponse:
    name, qualifier, _ = _target(request, emu, MISSING)
    registry = registry_for(emu.store)
    config = registry.get(name, qualifier)
    if config is None:
        raise not_found(MISSING)
    await registry.delete(config)
    return empty_response(204)


@routes.get(URL_API + "/urls")
@api
async def list_function_url_configs(request: web.Request, emu: Emulator) -> web.StreamResponse:
    name = request.match_info["FunctionName"]
    state = emu.store.get(name.rsplit(":", 1)[-1] if name.startswith("arn:") else name)
    if state is None:
        raise not_found(NO_FUNCTION)
    base = _base_url(request)
    items = []
    for c in registry_for(emu.store).of_function(state.name):
        arn = emu.arns.function(c.function, c.qualifier or None)
        items.append((arn, c.shape(base, arn, with_modified=True)))
    page, marker = paginate(sorted(items, key=lambda item: item[0]), request)
    result: dict[str, Any] = {"FunctionUrlConfigs": page}
    if marker:
        result["NextMarker"] = marker
    return json_response(result)


# --- the URLs -----------------------------------------------------------------------------------


def _front(emu: Emulator) -> Gateway:
    registry = registry_for(emu.store)

    def find(url_id: str) -> FunctionUrl | None:
        config = registry.by_url_id(url_id)
        if config is None or emu.store.get(config.function) is None:
            return None
        return config.function_url()

    async def invoke(
        function: str,
        event: bytes,
        request_id: str,
        on_chunk: Callable[[bytes], None] | None = None,
    ) -> InvocationResult:
        """`on_chunk` hears a streamed answer's bytes as the runtime sends them."""
        name, _, qualifier = function.partition(":")
        state = emu.store.get(name)
        if state is None:
            raise LambdaError("ResourceNotFoundException", "Function does not exist")
        target = emu.invoker.target(state, qualifier or None)
        emu.invoker.check_invocable(target, time.time())
        emu.invoker.admit(state)
        started = time.perf_counter()
        result = await emu.invoker.invoke(
            target,
            InvocationRequest(
                payload=event,
                request_id=request_id,
                invoked_function_arn=target.invoked_arn,
                on_chunk=on_chunk,
            ),
        )
        elapsed = (time.perf_counter() - started) * 1000
        emu.invocation_log.invoked(state.name, "FunctionUrl", result, elapsed)
        return result

    return Gateway(RouteTable(), invoke, function_urls=find, invoke_streaming=invoke)


_FRONTS: weakref.WeakKeyDictionary[FunctionStore, Gateway] = weakref.WeakKeyDictionary()


@routes.route("*", URL_PREFIX + "{tail:.*}")
async def function_url(request: web.Request) -> web.StreamResponse:
    emu = request.app[EMULATOR]
    front = _FRONTS.get(emu.store)
    if front is None:
        front = _FRONTS[emu.store] = _front(emu)
    body = await request.read() if request.can_read_body else b""
    try:
        answer = await front.handle(to_http_request(request, body))
    except LambdaError as e:  # throttled, pending...: what Lambda's invoke said
        return e.response()
    if answer.stream is not None:  # RESPONSE_STREAM: the body as the function writes it
        return await send_stream(request, answer)
    response = web.Response(status=answer.status, body=answer.body)
    for header, value in answer.headers:
        response.headers.add(header, value)
    return response


@web.middleware
async def function_url_hosts(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Requests for `<url-id>.lambda-url.<region>.localhost` go to the Function URL front."""
    if ".lambda-url." in request.host:
        return await function_url(request)
    return await handler(request)
