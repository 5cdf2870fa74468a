"""The emulator's side of durable functions: which functions are durable, how the durable
service runs their handlers (through the emulator's invoker, so reserved concurrency, the
debugger and the invocation log apply), and starting the service beside the emulator.

A function is durable when it was created with a DurableConfig (kept as given, and returned by
GetFunction/GetFunctionConfiguration like Lambda does).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from lamina.durable.availability import missing_reason
from lamina.emulator.api import Emulator
from lamina.emulator.errors import LambdaError
from lamina.emulator.lookup import find_function
from lamina.emulator.model import VersionConfig
from lamina.runtime.invocation import InvocationRequest

if TYPE_CHECKING:
    from concurrent.futures import Future

    from lamina.durable.chained import FindTarget
    from lamina.durable.function_runner import FunctionOutcome, RunFunction
    from lamina.durable.service import DurableService, StartRequest
    from lamina.http_front import Answer, FrontRoute

log = logging.getLogger("lamina.emulator")

DURABLE_DIR = "durable"


def durable_config(config: VersionConfig) -> dict[str, Any] | None:
    """The version's DurableConfig, or None for a plain function."""
    for member, text in config.echoed:  # not echoed_dict(): this is on every invoke's path
        if member == "DurableConfig":
            value = json.loads(text)
            return value if isinstance(value, dict) else None
    return None


def handler_runner(emu: Emulator) -> RunFunction:
    """What the durable service calls to run one invocation of a durable function's handler."""

    from lamina.durable.function_runner import FunctionNotFound, FunctionOutcome

    async def run(function_name: str, payload: bytes) -> FunctionOutcome:
        try:
            state, qualifier = find_function(emu.store, emu.arns, function_name, None)
        except LambdaError as e:
            if e.code == "ResourceNotFoundException":
                raise FunctionNotFound(function_name) from None
            raise
        invoker = emu.invoker
        target = invoker.target(state, qualifier)
        started = time.perf_counter()
        result = await invoker.invoke(
            target, InvocationRequest(payload=payload, invoked_function_arn=target.invoked_arn)
        )
        emu.invocation_log.invoked(
            state.name, "Durable", result, (time.perf_counter() - started) * 1000
        )
        error_type = None if result.ok else str((result.error or {}).get("errorType", "Unknown"))
        return FunctionOutcome(result.payload, result.request_id, error_type)

    return run


def target_finder(emu: Emulator) -> FindTarget:
    """What a durable function's chained invokes may call: the emulator's functions."""
    from lamina.durable.chained import Target

    async def find(function_name: str, qualifier: str | None) -> Target | None:
        try:
            state, resolved = find_function(emu.store, emu.arns, function_name, qualifier)
            target = emu.invoker.target(state, resolved)
        except LambdaError:
            return None
        return Target(durable_config(target.config))

    return find


def open_service(emu: Emulator, data_dir: Path, *, skip_time: bool) -> None:
    """Set up the durable execution service beside the emulator. It opens (and imports the
    durable SDK, a few MB) at once when a previous run left executions to resume, else on first
    use (`durable_service`). Without the durable extra, durable routes say what's missing."""
    reason = missing_reason()
    if reason is not None:
        log.info("lamina serve: %s", reason)
        return

    def open_now() -> None:
        from lamina.durable.service import DurableService

        opened = DurableService(
            data_dir / DURABLE_DIR,
            handler_runner(emu),
            skip_time=skip_time,
            region=emu.arns.region,
            find_target=target_finder(emu),
        )
        opened.open()
        emu.durable = opened

    if (data_dir / DURABLE_DIR).exists():
        open_now()
    else:
        emu.durable_opener = open_now


def checkpoint_routes(emu: Emulator) -> tuple[FrontRoute, ...]:
    """With the durable extra, the front's checkpoint route (durable/fast_front.py), also when
    the service opens later, on first use: until it is open there is no execution to
    checkpoint, and the route declines them to aiohttp, whose route answers (fast_front.py
    imports no durable SDK)."""
    if missing_reason() is not None:
        return ()
    from lamina.durable.fast_front import checkpoint_route

    def checkpoint(method: str, raw_path: str, body: bytes) -> Answer | Future[Answer] | None:
        service = emu.durable
        return None if service is None else service.wire.checkpoint(method, raw_path, body)

    return (checkpoint_route(checkpoint),)


def durable_service(emu: Emulator) -> DurableService:
    """The durable service, opened on first use; a ServiceException without the durable extra."""
    if emu.durable is None and emu.durable_opener is not None:
        opener, emu.durable_opener = emu.durable_opener, None
        opener()
    if emu.durable is None:
        raise LambdaError(
            "ServiceException", missing_reason() or "durable executions are not running"
        )
    return emu.durable


# Invoke of a durable function starts an execution. RequestResponse waits for it up to Lambda's
# synchronous limit (15 minutes, less if the execution timeout is lower); Event answers 202 at
# once. Both give the execution's ARN in X-Amz-Durable-Execution-Arn, as AWS does.
SYNC_LIMIT_S = 900
# How long past its ExecutionTimeout a synchronous Invoke waits for the execution to end.
TIMEOUT_GRACE_S = 5
ARN_HEADER = "X-Amz-Durable-Execution-Arn"
NAME_HEADER = "X-Amz-Durable-Execution-Name"
# AWS's testing runner marks its own handler invocations with this header; with it, an Invoke of
# a durable function runs the handler once with the durable input it carries (so that runner can
# use `lamina serve` as its Lambda endpoint).
HANDLER_INVOKE_HEADER = "X-Dex-Handler-Invoke"


async def start_execution(
    emu: Emulator,
    function_name: str,
    qualifier: str | None,
    config: dict[str, Any],
    payload: bytes,
    headers: Mapping[str, str],
    invocation_type: str,
) -> web.Response:
    service = durable_service(emu)
    from lamina.durable.service import (
        DEFAULT_EXECUTION_TIMEOUT,
        DEFAULT_RETENTION_DAYS,
        StartRequest,
    )

    timeout = int(config.get("ExecutionTimeout") or DEFAULT_EXECUTION_TIMEOUT)
    request = StartRequest(
        function_name=function_name,
        input=payload.decode(),
        qualifier=qualifier or "$LATEST",
        execution_name=headers.get(NAME_HEADER),
        execution_timeout=timeout,
        retention_days=int(config.get("RetentionPeriodInDays") or DEFAULT_RETENTION_DAYS),
    )
    arn = await service.call(_start_once, service, request)
    response_headers = {ARN_HEADER: arn, "x-amzn-RequestId": str(uuid.uuid4())}
    if invocation_type == "Event":
        return web.Response(status=202, headers=response_headers)
    # An execution cannot outlive its ExecutionTimeout: under the 15 minutes, wait for it to
    # end (its timeout fires on the service's timer, a moment after this wait would).
    limit = min(SYNC_LIMIT_S, timeout + TIMEOUT_GRACE_S)
    if not await service.wait(arn, limit):
        response_headers["X-Amz-Function-Error"] = "Unhandled"
        error = {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"The durable execution {arn} is still running after the "
            f"{limit} s a synchronous invocation may wait; follow it with GetDurableExecution",
        }
        return web.json_response(error, headers=response_headers)
    from lamina.durable.service import describe

    outcome = describe(await service.call(service.execution, arn))
    if outcome["Status"] == "SUCCEEDED":
        body = outcome["Result"] if outcome["Result"] is not None else "null"
        return web.Response(body=body, content_type="application/json", headers=response_headers)
    response_headers["X-Amz-Function-Error"] = "Unhandled"
    error_object = outcome["Error"] or {}
    error = {
        "errorType": error_object.get("ErrorType") or outcome["Status"],
        "errorMessage": error_object.get("ErrorMessage") or f"The execution {outcome['Status']}",
    }
    return web.json_response(error, headers=response_headers)


def _start_once(service: DurableService, request: StartRequest) -> str:
    """A new execution, or, for an execution name already used with the same input, the
    existing one (AWS's idempotency); the same name with another input is refused."""
    if request.execution_name:
        existing = service.find_named(request.function_name, request.execution_name)
        if existing is not None:
            if existing.start_input.input != request.input:
                raise LambdaError(
                    "DurableExecutionAlreadyStartedException",
                    f"Durable execution {request.execution_name} of {request.function_name} "
                    "has already been started with another input",
                    status=409,
                )
            arn: str = existing.durable_execution_arn
            return arn
    return service.start(request)
