"""Chained invokes (`context.invoke`) of the other functions Lamina runs, for the executor.

The testing package's executor asks a `ChildDispatcher` what a target is: a durable function
becomes a child durable execution (the executor starts and links it; its end completes the
parent's operation), a plain function runs once and its answer is the outcome, an unknown name
fails the operation in the checkpoint response (as AWS does). Durable never imports the
emulator: whoever owns the functions passes a `FindTarget` (what a name is) and the
`RunFunction` that runs a plain one; both run on Lamina's event loop.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from aws_durable_execution_sdk_python.lambda_service import ErrorObject
from aws_durable_execution_sdk_python_testing.child_dispatcher import (
    ChainedInvokeRequest,
    ChildOutcome,
    DispatchResult,
    FunctionTarget,
    RunInvocation,
    StartChild,
    function_not_found,
    parse_function_target,
    result_outcome,
    timed_out_outcome,
)
from aws_durable_execution_sdk_python_testing.model import StartDurableExecutionInput

from lamina.durable.function_runner import FunctionNotFound, RunFunction
from lamina.project.spec import FunctionSpec

# DurableConfig's defaults (botocore's model) when a durable target gives none.
DEFAULT_CHILD_TIMEOUT = 86400
DEFAULT_CHILD_RETENTION_DAYS = 14
# How long a look-up of a target's kind may take on the loop before it counts as not found.
LOOKUP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Target:
    """A function a durable function may invoke: its DurableConfig, None for a plain one."""

    durable_config: dict[str, Any] | None


# (function name, qualifier or None) -> the function, or None when there is no such function
FindTarget = Callable[[str, str | None], Coroutine[Any, Any, Target | None]]


def bare_name(identifier: str) -> str:
    """A function's name as Invoke is given it (bare, `name:qualifier`, a partial or full ARN)."""
    try:
        return str(parse_function_target(identifier).name)
    except ValueError:
        return identifier


def spec_named(functions: Iterable[FunctionSpec], identifier: str) -> FunctionSpec | None:
    """The project's function a chained invoke names: by its function name (FunctionName,
    else the logical id) or its logical id."""
    name = bare_name(identifier)
    return next((f for f in functions if name in (f.function_name, f.logical_id)), None)


class LaminaChildDispatcher:
    """Resolves chained-invoke targets among the functions the owner knows."""

    def __init__(
        self,
        find: FindTarget,
        run: RunFunction,
        loop: asyncio.AbstractEventLoop,
        invocation_timeout: int,
    ) -> None:
        self._find = find
        self._run = run
        self._loop = loop
        self._invocation_timeout = invocation_timeout

    def _target(self, name: str, qualifier: str | None) -> Target | None:
        """From the executor's threads: ask the owner, on its loop."""
        future = asyncio.run_coroutine_threadsafe(self._find(name, qualifier), self._loop)
        return future.result(LOOKUP_TIMEOUT_S)

    def preflight(self, target: FunctionTarget) -> ChildOutcome | None:
        if self._target(target.name, target.qualifier) is None:
            return function_not_found(target.name).outcome
        return None

    def dispatch(self, request: ChainedInvokeRequest) -> DispatchResult:
        target = self._target(request.function_name, request.qualifier)
        if target is None:
            return function_not_found(request.function_name)
        config = target.durable_config
        if config is not None:
            return StartChild(
                child_start=StartDurableExecutionInput(
                    account_id=request.account_id,
                    function_name=request.function_name,
                    function_qualifier=request.child_qualifier(),
                    execution_name=str(uuid.uuid4()),
                    execution_timeout_seconds=int(
                        config.get("ExecutionTimeout") or DEFAULT_CHILD_TIMEOUT
                    ),
                    execution_retention_period_days=int(
                        config.get("RetentionPeriodInDays") or DEFAULT_CHILD_RETENTION_DAYS
                    ),
                    invocation_id=str(uuid.uuid4()),
                    trace_fields=request.trace_fields,
                    tenant_id=request.tenant_id,
                    input=request.payload,
                    lambda_endpoint=None,
                )
            )
        return RunInvocation(invocation=lambda: self._run_plain(request))

    def _run_plain(self, request: ChainedInvokeRequest) -> ChildOutcome:
        """One invocation of a plain function (on the executor's target pool: it blocks)."""
        payload = (request.payload or "{}").encode()
        future = asyncio.run_coroutine_threadsafe(
            self._run(request.invoke_identifier(), payload), self._loop
        )
        try:
            outcome = future.result(self._invocation_timeout)
        except TimeoutError:
            future.cancel()
            return timed_out_outcome(self._invocation_timeout)
        except FunctionNotFound:
            return function_not_found(request.function_name).outcome
        if outcome.error_type is not None:
            return ChildOutcome(error=_function_error(outcome.payload, outcome.error_type))
        body = outcome.payload.decode(errors="replace")
        return result_outcome(body or None)


def _function_error(payload: bytes, error_type: str) -> ErrorObject:
    """The target's error, as Lambda's Invoke gives it (errorType, errorMessage, stackTrace)."""
    try:
        body: Any = json.loads(payload)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return ErrorObject(
            message=payload.decode(errors="replace")[:500],
            type=error_type,
            data=None,
            stack_trace=None,
        )
    trace = body.get("stackTrace")
    return ErrorObject(
        message=body.get("errorMessage"),
        type=body.get("errorType") or error_type,
        data=None,
        stack_trace=[str(line) for line in trace] if isinstance(trace, list) else None,
    )
