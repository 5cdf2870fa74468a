"""The durable execution API (botocore's 2025-12-01 operations) on `lamina serve`.

CheckpointDurableExecution and GetDurableExecutionState are what the SDK inside a durable
function calls (its AWS_ENDPOINT_URL_LAMBDA points here); GetDurableExecution,
GetDurableExecutionHistory, ListDurableExecutionsByFunction, StopDurableExecution and
SendDurableExecutionCallbackSuccess/Failure/Heartbeat are for callers (boto3, `lamina
executions`, `lamina callback`). durable/wire.py does the work, on the service's threads (a
checkpoint waits for the execution's lane).
"""

from __future__ import annotations

from aiohttp import web

from lamina.emulator.api import Emulator, api, read_body
from lamina.emulator.durable_functions import durable_service

routes = web.RouteTableDef()

API_PREFIX = "/2025-12-01/"
MAX_DURABLE_REQUEST = 6 * 1024 * 1024


@routes.route("*", API_PREFIX + "{tail:.*}")
@api
async def durable_api(request: web.Request, emu: Emulator) -> web.StreamResponse:
    service = durable_service(emu)
    body = await read_body(request, MAX_DURABLE_REQUEST, "Durable")
    return await service.respond(
        request.method, request.rel_url.raw_path, request.query_string, body
    )
