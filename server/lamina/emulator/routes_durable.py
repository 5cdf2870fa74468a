"""The durable execution API (botocore's 2025-12-01 operations) on `lamina serve`.

CheckpointDurableExecution and GetDurableExecutionState are what the SDK inside a durable
function calls (its AWS_ENDPOINT_URL_LAMBDA points here); GetDurableExecution,
GetDurableExecutionHistory, ListDurableExecutionsByFunction, StopDurableExecution and
SendDurableExecutionCallbackSuccess/Failure/Heartbeat are for callers (boto3, `lamina
executions`, `lamina callback`). Parsing, validation and error shapes are the testing package's
own wire layer (its reading of the service's); this module only moves requests between aiohttp
and it, on a worker thread (a checkpoint waits for the execution's lane).
"""

from __future__ import annotations

import weakref
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from lamina.emulator.api import Emulator, api, read_body
from lamina.emulator.errors import LambdaError

routes = web.RouteTableDef()

API_PREFIX = "/2025-12-01/"
MAX_DURABLE_REQUEST = 6 * 1024 * 1024


class _Wire:
    """The testing package's router and its handlers for the operations AWS has (not its own
    start-execution, health or metrics routes), built once per executor."""

    def __init__(self, executor: Any) -> None:
        from aws_durable_execution_sdk_python_testing.web import handlers as h
        from aws_durable_execution_sdk_python_testing.web import routes as r

        self.router = r.Router()
        self.handlers: dict[type, Any] = {
            r.CheckpointDurableExecutionRoute: h.CheckpointDurableExecutionHandler(executor),
            r.GetDurableExecutionStateRoute: h.GetDurableExecutionStateHandler(executor),
            r.GetDurableExecutionRoute: h.GetDurableExecutionHandler(executor),
            r.GetDurableExecutionHistoryRoute: h.GetDurableExecutionHistoryHandler(executor),
            r.ListDurableExecutionsByFunctionRoute: h.ListDurableExecutionsByFunctionHandler(
                executor
            ),
            r.StopDurableExecutionRoute: h.StopDurableExecutionHandler(executor),
            r.CallbackSuccessRoute: h.SendDurableExecutionCallbackSuccessHandler(executor),
            r.CallbackFailureRoute: h.SendDurableExecutionCallbackFailureHandler(executor),
            r.CallbackHeartbeatRoute: h.SendDurableExecutionCallbackHeartbeatHandler(executor),
        }
        self.bytes_route: type = r.BytesPayloadRoute

    def handle(self, method: str, path: str, query: str, body: bytes) -> Any:
        from aws_durable_execution_sdk_python_testing.exceptions import (
            AwsApiException,
            UnknownRouteError,
        )
        from aws_durable_execution_sdk_python_testing.web.models import HTTPRequest, HTTPResponse

        try:
            route = self.router.find_route(path, method)
            handler = self.handlers.get(type(route))
            if handler is None:
                raise UnknownRouteError(method, path)
        except AwsApiException as e:
            return HTTPResponse.create_error_from_exception(e)
        params = parse_qs(query)
        if isinstance(route, self.bytes_route):
            request = HTTPRequest.from_raw_bytes(
                body_bytes=body, method=method, path=route, query_params=params
            )
        else:
            request = HTTPRequest.from_bytes(
                body_bytes=body, method=method, path=route, query_params=params
            )
        return handler.handle(route, request)


_WIRES: weakref.WeakKeyDictionary[object, _Wire] = weakref.WeakKeyDictionary()


@routes.route("*", API_PREFIX + "{tail:.*}")
@api
async def durable_api(request: web.Request, emu: Emulator) -> web.StreamResponse:
    service = emu.durable
    if service is None:
        from lamina.durable.availability import missing_reason

        raise LambdaError(
            "ServiceException", missing_reason() or "durable executions are not running"
        )
    wire = _WIRES.get(service)
    if wire is None:
        wire = _WIRES[service] = _Wire(service.executor)
    body = await read_body(request, MAX_DURABLE_REQUEST, "Durable")
    response = await service.call(
        wire.handle, request.method, request.rel_url.raw_path, request.query_string, body
    )
    payload = response.body_to_bytes() if response.body else b""
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    error_code = response.body.get("Type") if response.status_code >= 400 else None
    if isinstance(error_code, str):
        # The testing runner names the error in the body only; botocore reads this header
        # (as Lamina's own errors set it), so boto3 raises the modelled exception.
        headers["x-amzn-ErrorType"] = error_code
    return web.Response(
        status=response.status_code,
        body=payload,
        content_type="application/json",
        headers=headers,
    )
