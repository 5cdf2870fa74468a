"""One durable execution run to its end from the CLI (`lamina invoke` on a durable function):
the checkpoint API on a loopback port (the function's AWS_ENDPOINT_URL_LAMBDA), the durable
service over a runtime pool, and every invocation's result kept for the caller to print.

Without --skip-time, timers are real; when the execution is left waiting on a timer that ends
more than `LONG_WAIT_S` from now (Lambda's synchronous limit), the run stops and reports the
execution as RUNNING: its state stays in the store, and `resume_arn` continues it later (a wait
that ended meanwhile completes at once, one still ahead runs on, or skips with --skip-time).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lamina.durable.chained import Target, bare_name
from lamina.durable.function_runner import FunctionNotFound, FunctionOutcome
from lamina.durable.local_api import LONG_WAIT_S, LocalDurableApi, pending_callbacks
from lamina.durable.service import DEFAULT_EXECUTION_TIMEOUT, DurableService, StartRequest
from lamina.runtime.config import FunctionConfig
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.pool import RuntimePool

POLL_S = 0.5


@dataclass(frozen=True)
class ChainedTarget:
    """Another function of the project, as a chained invoke reaches it."""

    config: FunctionConfig
    durable_config: dict[str, Any] | None


# (the name a chained invoke gives) -> that function of the project, or None when there is none
FindConfig = Callable[[str], Coroutine[Any, Any, ChainedTarget | None]]


@dataclass
class DurableRun:
    arn: str
    status: str  # SUCCEEDED, FAILED, TIMED_OUT, STOPPED, or RUNNING (left waiting)
    result: str | None = None
    error: dict[str, Any] | None = None
    wakes_at: datetime.datetime | None = None  # RUNNING: when its next timer ends
    invocations: list[InvocationResult] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    function: str = ""  # the function's name (what `lamina invoke --resume` is given)


async def run_execution(
    config: FunctionConfig,
    pool: RuntimePool,
    payload: bytes,
    data_dir: Path,
    *,
    skip_time: bool,
    durable_config: dict[str, Any],
    resume_arn: str | None = None,
    targets: FindConfig | None = None,
    notice: Callable[[str], None] | None = None,
) -> DurableRun:
    """Run a new execution (or, with `resume_arn`, continue one this data dir holds) until it
    ends or is left waiting on a timer beyond LONG_WAIT_S. `targets` finds the project's other
    functions for chained invokes (without it, they fail as unknown functions). `notice` is told,
    once per callback, how to send one the execution waits for (nothing else would: time
    skipping never skips a pending callback)."""
    invocations: list[InvocationResult] = []
    endpoint: list[str] = []

    async def run(function_name: str, body: bytes) -> FunctionOutcome:
        target, durable = config, True
        if bare_name(function_name) != config.function_name:
            found = None if targets is None else await targets(function_name)
            if found is None:
                raise FunctionNotFound(function_name)
            target, durable = found.config, found.durable_config is not None
        env = dict(target.environment)
        if durable:  # a plain target's own Lambda client keeps its endpoint
            env["AWS_ENDPOINT_URL_LAMBDA"] = endpoint[0]
        configured = replace(target, environment=tuple(sorted(env.items())))
        result = await pool.invoke(configured, InvocationRequest(payload=body))
        invocations.append(result)
        error_type = None if result.ok else str((result.error or {}).get("errorType", "Unknown"))
        return FunctionOutcome(result.payload, result.request_id, error_type)

    async def find(function_name: str, qualifier: str | None) -> Target | None:
        if bare_name(function_name) == config.function_name:
            return Target(durable_config)
        found = None if targets is None else await targets(function_name)
        return None if found is None else Target(found.durable_config)

    api = LocalDurableApi(
        data_dir, run, skip_time=skip_time, region=config.region, find_target=find
    )
    endpoint.append(await api.open())
    service = api.service
    try:
        if resume_arn is None:
            timeout = int(durable_config.get("ExecutionTimeout") or DEFAULT_EXECUTION_TIMEOUT)
            start = StartRequest(
                function_name=config.function_name,
                input=payload.decode(),
                execution_timeout=timeout,
            )
            arn = await api.start(start)
        else:
            arn = resume_arn
            await service.call(_resume, service, arn, config.function_name)
        wakes_at = None
        told: set[str] = set()
        while not await service.wait(arn, POLL_S):
            if notice is not None:
                for line in await service.call(_callbacks_to_tell, service, arn, told):
                    notice(line.format(endpoint=endpoint[0]))
            if not skip_time:
                wakes_at = await service.call(_long_wait, service, arn)
                if wakes_at is not None:
                    break
        run_ = await service.call(_outcome, service, arn, invocations, wakes_at)
        run_.function = config.function_name
        return run_
    finally:
        await api.close()


class ResumeError(Exception):
    """An execution `lamina invoke --resume` cannot continue: one line for the user."""


def _resume(service: DurableService, arn: str, function_name: str) -> None:
    from aws_durable_execution_sdk_python_testing.exceptions import ResourceNotFoundException

    try:
        execution = service.execution(arn)
    except ResourceNotFoundException:
        raise ResumeError(
            f"no durable execution {arn} in .lamina/state/durable "
            "(`lamina invoke` keeps only the executions it ran in this project)"
        ) from None
    if execution.start_input.function_name != function_name:
        raise ResumeError(
            f"{arn} is an execution of {execution.start_input.function_name}, "
            f"not of {function_name}"
        )
    if execution.is_complete:
        raise ResumeError(f"{arn} has ended ({execution.current_status().value})")
    service.resume(arn)


def _callbacks_to_tell(service: DurableService, arn: str, told: set[str]) -> list[str]:
    """A line for each callback the execution now waits for and `told` does not hold yet;
    `{endpoint}` stands for the checkpoint API's URL."""
    if service.executor.is_invoking(arn):
        return []  # the handler may still be sending it itself
    lines = []
    for callback in pending_callbacks(service.execution(arn)):
        if callback.callback_id in told:
            continue
        told.add(callback.callback_id)
        name = f" '{callback.name}'" if callback.name else ""
        lines.append(
            f"waiting for callback{name}: send it with `lamina callback succeed "
            f"{callback.callback_id} --result JSON --endpoint-url {{endpoint}}` (or fail, "
            "heartbeat) while this command runs"
        )
    return lines


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
