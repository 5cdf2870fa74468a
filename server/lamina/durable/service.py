"""The durable execution service: AWS's executor (from the testing package) over Lamina's
SQLite store and runtime, plus what that runner lacks, resuming after a restart.

    service = DurableService(data_dir, run_function, skip_time=False, region="us-east-1")
    service.open()                # on Lamina's event loop
    service.resume_interrupted()  # once the API answers: executions a stop interrupted
    arn = service.start(StartRequest(function_name="orders", input='{"id": 1}'))
    execution = await service.wait(arn, timeout=900)
    service.close()

`executor` answers the API (checkpoint, state, get, history, list, stop, callbacks); the
emulator's routes_durable.py puts it on the wire.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from aws_durable_execution_sdk_python_testing.checkpoint.processor import CheckpointProcessor
from aws_durable_execution_sdk_python_testing.child_dispatcher import (
    ChildDispatcher,
    UnconfiguredChildDispatcher,
)
from aws_durable_execution_sdk_python_testing.clock import Clock, RealClock
from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.model import StartDurableExecutionInput
from aws_durable_execution_sdk_python_testing.scheduler import Scheduler

from lamina.bounded_wait import wait_at_most
from lamina.durable.chained import FindTarget, LaminaChildDispatcher
from lamina.durable.executor import LaminaExecutor
from lamina.durable.fast_front import durable_front_site
from lamina.durable.function_runner import LaminaInvoker, RunFunction
from lamina.durable.lanes import BorrowingRegistry
from lamina.durable.skip_time import SkipWhenIdleClock
from lamina.durable.store import ExecutionDatabase
from lamina.durable.timeout_pause import timeout_left
from lamina.durable.wire import DurableWire

log = logging.getLogger("lamina.durable")
T = TypeVar("T")

DEFAULT_ACCOUNT = "123456789012"
# DurableConfig's defaults when a function gives none (botocore's model: ExecutionTimeout
# 1..31622400 s, RetentionPeriodInDays 1..90).
DEFAULT_EXECUTION_TIMEOUT = 86400
DEFAULT_RETENTION_DAYS = 14
# One handler invocation may run for Lambda's maximum; the function's own timeout stops it first.
INVOCATION_TIMEOUT = 900
RETENTION_SWEEP_S = 3600


@dataclass(frozen=True)
class StartRequest:
    """One new execution of a durable function (an Invoke of it)."""

    function_name: str
    input: str
    qualifier: str = "$LATEST"
    execution_name: str | None = None
    execution_timeout: int = DEFAULT_EXECUTION_TIMEOUT
    retention_days: int = DEFAULT_RETENTION_DAYS
    account: str = DEFAULT_ACCOUNT


class DurableService:
    def __init__(
        self,
        data_dir: Path,
        run: RunFunction,
        *,
        skip_time: bool = False,
        region: str,
        find_target: FindTarget | None = None,
    ) -> None:
        """`find_target` tells what another function is, for chained invokes (`run` runs the
        plain ones); without it, a chained invoke fails as one of an unknown function."""
        self.data_dir = data_dir
        self._find_target = find_target
        self.skip_time = skip_time
        self.region = region
        self._run = run
        self._executor: LaminaExecutor | None = None
        self._scheduler: Scheduler | None = None
        self._store: ExecutionDatabase | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wire: DurableWire | None = None
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        # Checkpoints and API calls wait for an execution's lane: their own threads, so that
        # many running handlers never starve the event loop's default pool.
        self._threads = ThreadPoolExecutor(max_workers=64, thread_name_prefix="lamina-durable")

    @property
    def executor(self) -> LaminaExecutor:
        if self._executor is None:
            raise RuntimeError("the durable execution service is not open")
        return self._executor

    def open(self) -> None:
        """Open the store and start the executor, on the running event loop (the handlers'
        invocations use it). Then, once the API answers, `resume_interrupted`."""
        loop = self._loop = asyncio.get_running_loop()
        store = self._store = ExecutionDatabase.open(self.data_dir)
        scheduler = self._scheduler = Scheduler()
        clock: Clock = SkipWhenIdleClock() if self.skip_time else RealClock()
        invoker = LaminaInvoker(self._run, loop)
        invoker.now = clock.now
        processor = CheckpointProcessor(store, scheduler, clock=clock)
        dispatcher: ChildDispatcher = UnconfiguredChildDispatcher()
        if self._find_target is not None:
            dispatcher = LaminaChildDispatcher(
                self._find_target, self._run, loop, INVOCATION_TIMEOUT
            )
        executor = self._executor = LaminaExecutor(
            store=store,
            scheduler=scheduler,
            invoker=invoker,
            checkpoint_processor=processor,
            invocation_timeout_seconds=INVOCATION_TIMEOUT,
            registry=BorrowingRegistry(store, scheduler),
            clock=clock,
            child_dispatcher=dispatcher,
            region=self.region,
        )
        executor.on_terminal = self._on_terminal
        processor.add_execution_observer(executor)
        processor.set_chained_invoke_preflight(executor.preflight_chained_invoke)
        scheduler.start()  # type: ignore[no-untyped-call]
        self._sweep()

    def purge_expired(self) -> list[str]:
        """Forget the ended executions whose retention period has passed (as Lambda does);
        their ARNs. Run at open and then every RETENTION_SWEEP_S."""
        store = self._store
        if store is None:
            return []
        arns = store.expired_arns(datetime.now(timezone.utc).timestamp())
        for arn in arns:
            store.delete(arn)
        if arns:
            log.info("%d durable execution(s) past their retention period removed", len(arns))
        return arns

    def _sweep(self) -> None:
        self.purge_expired()
        if self._scheduler is not None:
            self._scheduler.call_later(self._sweep, delay=RETENTION_SWEEP_S)

    def resume_interrupted(self) -> list[str]:
        """Resume the executions that were running when Lamina last stopped; their ARNs."""
        assert self._store is not None
        arns = self._store.running_arns()
        for arn in arns:
            self._resume(arn)
        return arns

    def running_arns(self) -> list[str]:
        """The executions of this store that have not ended."""
        assert self._store is not None
        return self._store.running_arns()

    def start(self, request: StartRequest) -> str:
        """Start an execution; its first invocation is scheduled at once. Returns its ARN."""
        name = request.execution_name or str(uuid.uuid4())
        start = StartDurableExecutionInput(
            account_id=request.account,
            function_name=request.function_name,
            function_qualifier=request.qualifier,
            execution_name=name,
            execution_timeout_seconds=request.execution_timeout,
            execution_retention_period_days=request.retention_days,
            invocation_id=str(uuid.uuid4()),
            input=request.input,
        )
        arn = self.executor.start_execution(start).execution_arn
        assert arn is not None
        return arn

    def find_named(self, function_name: str, execution_name: str) -> Execution | None:
        """The function's execution of that name, if there is one (names are idempotency keys)."""
        executions, _ = self.executor._store.query(
            function_name=function_name, execution_name=execution_name
        )
        return executions[0] if executions else None

    def execution(self, arn: str) -> Execution:
        """The execution as stored (ResourceNotFoundException for an unknown ARN)."""
        return self.executor.get_execution(arn)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking call into the executor (a checkpoint, an API call) off the loop."""
        return await asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)

    async def wait(self, arn: str, timeout: float | None) -> bool:
        """Wait until the execution ends; False when `timeout` (seconds) passed first."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(arn, []).append(future)
        try:
            if (await self.call(self.execution, arn)).is_complete:
                return True
            return await wait_at_most(future, timeout)
        finally:
            waiters = self._waiters.get(arn, [])
            if future in waiters:
                waiters.remove(future)
            if not waiters:
                self._waiters.pop(arn, None)

    def _on_terminal(self, arn: str) -> None:
        """From the executor's threads: wake the Invokes waiting for this execution."""
        loop = self._loop
        if loop is not None and arn in self._waiters:
            loop.call_soon_threadsafe(self._wake, arn)

    def _wake(self, arn: str) -> None:
        for future in self._waiters.get(arn, []):
            if not future.done():
                future.set_result(None)

    @property
    def wire(self) -> DurableWire:
        if self._wire is None:
            self._wire = DurableWire(self.executor)
        return self._wire

    def front_site(self, runner: web.BaseRunner, sock: socket.socket, **kw: Any) -> web.SockSite:
        """The site to serve the emulator's socket with: checkpoints are answered before
        aiohttp sees them (fast_front.py)."""
        return durable_front_site(runner, sock, lambda *a: self.wire.checkpoint(*a), **kw)

    async def respond(self, method: str, raw_path: str, query: str, body: bytes) -> web.Response:
        """One request to the durable API (wire.py), as an aiohttp response."""
        checkpoint = self.wire.checkpoint(method, raw_path, body)
        if isinstance(checkpoint, tuple):
            status, headers, payload = checkpoint
        elif checkpoint is not None:
            status, headers, payload = await asyncio.wrap_future(checkpoint)
        else:
            status, headers, payload = await self.call(
                self.wire.handle, method, raw_path, query, body
            )
        return web.Response(
            status=status, body=payload, content_type="application/json", headers=headers
        )

    def resume(self, arn: str) -> None:
        """Continue an execution of this store that nothing drives now (one `lamina invoke`
        left waiting): as after a restart."""
        self._resume(arn)

    def _resume(self, arn: str) -> None:
        """An execution that was running when Lamina stopped: its timeout and timers are armed
        again. A wait that expired meanwhile completes at once; an execution that was not
        suspended on a timer is invoked again (it replays; succeeded steps don't run again)."""
        executor = self.executor
        scheduler = self._scheduler
        assert scheduler is not None
        execution = executor.get_execution(arn)
        # The executor's own bookkeeping for a launched execution (see Executor._launch_execution).
        executor._completion_events[arn] = scheduler.create_event()
        left = timeout_left(executor, arn)  # None: no timeout, or one a pause holds
        if left is not None:
            executor.arm_timeout(arn, left)
        if executor._earliest_pending_timestamp(execution) is not None:
            executor._schedule_earliest_pending(arn)
        else:
            executor._invoke_execution(arn)
        log.info("durable execution %s resumed", arn)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None
        if self._scheduler is not None:
            self._scheduler.stop()  # type: ignore[no-untyped-call]
            self._scheduler = None
        if self._store is not None:
            self._store.close()
            self._store = None
        self._threads.shutdown(wait=False, cancel_futures=True)


def describe(execution: Execution) -> dict[str, Any]:
    """An execution's status, result and error, as GetDurableExecution gives them."""
    result = execution.result
    return {
        "Status": execution.current_status().value,
        "Result": None if result is None else result.result,
        "Error": None if result is None or result.error is None else result.error.to_dict(),
    }
