"""The durable service of a process that runs durable functions itself (`lamina invoke`, the
language server): the service over a given RunFunction, and its checkpoint API on a loopback
port, the URL a durable function's AWS_ENDPOINT_URL_LAMBDA points at.

    api = LocalDurableApi(data_dir, run, skip_time=True, region="us-east-1")
    endpoint = await api.open()
    arn = await api.start(StartRequest(...))
    state = await api.state(arn, seen=0)   # new history events, pending callbacks, next timer
    await api.close()

No pygls and no emulator here; whoever owns the functions passes `run` in.
"""

from __future__ import annotations

import asyncio
import datetime
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from lamina.durable.chained import FindTarget
from lamina.durable.function_runner import RunFunction
from lamina.durable.service import DurableService, StartRequest, describe
from lamina.durable.wire import API_PREFIX
from lamina.http_front import KEEP_ALIVE_S

# `lamina serve`'s limit for a durable API request (a checkpoint's step result included).
MAX_BODY = 6 * 1024 * 1024

# Lambda's synchronous limit: a timer further away than this is a wait to come back to later.
LONG_WAIT_S = 900


@dataclass(frozen=True)
class PendingCallback:
    """A callback the execution waits for: what `lamina callback succeed` needs."""

    callback_id: str
    name: str | None
    operation_id: str

    def to_json(self) -> dict[str, Any]:
        return {"callbackId": self.callback_id, "name": self.name, "operationId": self.operation_id}


def pending_callbacks(execution: Any) -> list[PendingCallback]:
    """The callbacks the execution waits for."""
    from aws_durable_execution_sdk_python.lambda_service import OperationStatus, OperationType

    return [
        PendingCallback(op.callback_details.callback_id, op.name, op.operation_id)
        for op in execution.operations
        if op.operation_type is OperationType.CALLBACK
        and op.status is OperationStatus.STARTED
        and op.callback_details is not None
    ]


@dataclass
class ExecutionState:
    """An execution as a follower sees it, at one moment."""

    arn: str
    status: str  # RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED (PAUSED/PAUSING while paused)
    invoking: bool
    new_events: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[PendingCallback] = field(default_factory=list)
    wakes_at: datetime.datetime | None = None  # the next timer (a wait, a retry's back-off)
    result: str | None = None
    error: dict[str, Any] | None = None

    @property
    def ended(self) -> bool:
        return self.status not in ("RUNNING", "PAUSING", "PAUSED")

    def waiting_outside(self, long_wait_s: float = LONG_WAIT_S) -> bool:
        """Running, but nothing happens until someone sends a callback or a long timer ends:
        no invocation runs, and no timer ends within `long_wait_s`."""
        if self.ended or self.invoking:
            return False
        if self.wakes_at is None:
            return bool(self.callbacks) or self.status == "PAUSED"
        now = datetime.datetime.now(datetime.timezone.utc)
        return (self.wakes_at - now).total_seconds() > long_wait_s


class LocalDurableApi:
    def __init__(
        self,
        data_dir: Path,
        run: RunFunction,
        *,
        skip_time: bool,
        region: str,
        find_target: FindTarget | None = None,
    ) -> None:
        """`find_target`: what a chained invoke's target is (`run` runs it); without it, a
        chained invoke fails as one of an unknown function."""
        self.service = DurableService(
            data_dir, run, skip_time=skip_time, region=region, find_target=find_target
        )
        self.endpoint = ""
        self._runner: web.AppRunner | None = None

    async def open(self) -> str:
        """Open the store and serve the checkpoint API; its URL."""
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.service.open()
        service = self.service
        app = web.Application(client_max_size=MAX_BODY + 1)

        async def durable_api(request: web.Request) -> web.StreamResponse:
            too_large = request.content_length is not None and request.content_length > MAX_BODY
            try:
                body = b"" if too_large else await request.read()
            except web.HTTPRequestEntityTooLarge:
                too_large = True
            if too_large:  # as `lamina serve` answers (emulator/routes_durable.py)
                return _too_large()
            return await service.respond(
                request.method, request.rel_url.raw_path, request.query_string, body
            )

        app.router.add_route("*", API_PREFIX + "{tail:.*}", durable_api)
        runner = self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, keepalive_timeout=KEEP_ALIVE_S
        )
        await runner.setup()
        sock.setblocking(False)
        await service.front_site(runner, sock).start()  # checkpoints: before aiohttp
        return self.endpoint

    async def start(self, request: StartRequest) -> str:
        return await self.service.call(self.service.start, request)

    async def state(self, arn: str, seen: int = 0) -> ExecutionState:
        """The execution now, with the history events after the first `seen`."""
        return await self.service.call(self._state, arn, seen)

    def _state(self, arn: str, seen: int) -> ExecutionState:
        service = self.service
        executor = service.executor
        execution = service.execution(arn)
        outcome = describe(execution)
        status = executor.get_execution_details(arn).status
        events = executor.get_execution_history(
            arn, include_execution_data=True, max_items=100_000
        ).events
        return ExecutionState(
            arn=arn,
            status=str(status),
            invoking=executor.is_invoking(arn),
            new_events=[event.to_dict() for event in events[seen:]],
            callbacks=pending_callbacks(execution),
            wakes_at=executor._earliest_pending_timestamp(execution),
            result=outcome["Result"],
            error=outcome["Error"],
        )

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await asyncio.to_thread(self.service.close)


def _too_large() -> web.Response:
    """The error `lamina serve` gives a durable request over MAX_BODY (RequestTooLargeException,
    413), which the SDK reports as the checkpoint's error."""
    message = f"Request must be smaller than {MAX_BODY} bytes for the Durable operation"
    return web.json_response(
        {"message": message, "Type": "User"},
        status=413,
        headers={"x-amzn-ErrorType": "RequestTooLargeException"},
    )
