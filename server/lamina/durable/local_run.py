"""One durable execution run to its end from the CLI (`lamina invoke` on a durable function):
the checkpoint API on a loopback port (the function's AWS_ENDPOINT_URL_LAMBDA), the durable
service over a runtime pool, and every invocation's result kept for the caller to print.

Without --skip-time, timers are real; when the execution is left waiting on a timer that ends
more than `LONG_WAIT_S` from now (Lambda's synchronous limit), the run stops and reports the
execution as RUNNING: its state stays in the store.
"""

from __future__ import annotations

import asyncio
import datetime
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aiohttp import web

from lamina.durable.function_runner import FunctionOutcome
from lamina.durable.service import DEFAULT_EXECUTION_TIMEOUT, DurableService, StartRequest
from lamina.durable.wire import API_PREFIX
from lamina.runtime.config import FunctionConfig
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.pool import RuntimePool

LONG_WAIT_S = 900
POLL_S = 0.5


@dataclass
class DurableRun:
    arn: str
    status: str  # SUCCEEDED, FAILED, TIMED_OUT, STOPPED, or RUNNING (left waiting)
    result: str | None = None
    error: dict[str, Any] | None = None
    wakes_at: datetime.datetime | None = None  # RUNNING: when its next timer ends
    invocations: list[InvocationResult] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)


async def run_execution(
    config: FunctionConfig,
    pool: RuntimePool,
    payload: bytes,
    data_dir: Path,
    *,
    skip_time: bool,
    durable_config: dict[str, Any],
) -> DurableRun:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    endpoint = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = dict(config.environment)
    env["AWS_ENDPOINT_URL_LAMBDA"] = endpoint
    config = replace(config, environment=tuple(sorted(env.items())))
    invocations: list[InvocationResult] = []

    async def run(function_name: str, body: bytes) -> FunctionOutcome:
        result = await pool.invoke(config, InvocationRequest(payload=body))
        invocations.append(result)
        error_type = None if result.ok else str((result.error or {}).get("errorType", "Unknown"))
        return FunctionOutcome(result.payload, result.request_id, error_type)

    service = DurableService(data_dir, run, skip_time=skip_time, region=config.region)
    service.open()
    app = web.Application(client_max_size=7 * 1024 * 1024)

    async def durable_api(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        return await service.respond(
            request.method, request.rel_url.raw_path, request.query_string, body
        )

    app.router.add_route("*", API_PREFIX + "{tail:.*}", durable_api)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    sock.setblocking(False)
    await web.SockSite(runner, sock).start()
    try:
        timeout = int(durable_config.get("ExecutionTimeout") or DEFAULT_EXECUTION_TIMEOUT)
        start = StartRequest(
            function_name=config.function_name, input=payload.decode(), execution_timeout=timeout
        )
        arn = await service.call(service.start, start)
        wakes_at = None
        while not await service.wait(arn, POLL_S):
            if not skip_time:
                wakes_at = await service.call(_long_wait, service, arn)
                if wakes_at is not None:
                    break
        return await service.call(_outcome, service, arn, invocations, wakes_at)
    finally:
        await runner.cleanup()
        await asyncio.to_thread(service.close)


def _long_wait(service: DurableService, arn: str) -> datetime.datetime | None:
    """When the execution sleeps on a timer ending beyond LONG_WAIT_S: that moment."""
    executor = service.executor
    execution = service.execution(arn)
    if executor.is_invoking(arn):
        return None
    wake: datetime.datetime | None = executor._earliest_pending_timestamp(execution)
    now = datetime.datetime.now(datetime.timezone.utc)
    if wake is not None and (wake - now).total_seconds() > LONG_WAIT_S:
        return wake
    return None


def _outcome(
    service: DurableService,
    arn: str,
    invocations: list[InvocationResult],
    wakes_at: datetime.datetime | None,
) -> DurableRun:
    from lamina.durable.service import describe

    outcome = describe(service.execution(arn))
    history = service.executor.get_execution_history(
        arn, include_execution_data=True, max_items=100_000
    )
    return DurableRun(
        arn=arn,
        status=outcome["Status"],
        result=outcome["Result"],
        error=outcome["Error"],
        wakes_at=wakes_at,
        invocations=list(invocations),
        history=[event.to_dict() for event in history.events],
    )
