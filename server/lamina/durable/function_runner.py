"""Handler invocations for the executor: the testing package's `Invoker`, over Lamina's runtime.

The executor calls `invoke` from its worker threads and waits for the answer; the invocation
itself runs on Lamina's event loop (the runtime pool, the emulator's invoker) through the
`RunFunction` it is given. Durable never imports the emulator: whoever owns the functions
(`lamina serve`, `lamina invoke`) passes that callable in.
"""

from __future__ import annotations

import asyncio
import datetime
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aws_durable_execution_sdk_python.execution import (
    DurableExecutionInvocationInput,
    InitialExecutionState,
)
from aws_durable_execution_sdk_python_testing.checkpoint.processor import (
    DEFAULT_MAX_INVOCATION_PAGE_BYTES,
)
from aws_durable_execution_sdk_python_testing.exceptions import (
    DurableFunctionsTestError,
    InvalidInvocationOutputError,
    ResourceNotFoundException,
)
from aws_durable_execution_sdk_python_testing.execution import (
    Execution,
    OperationPaginatorState,
)
from aws_durable_execution_sdk_python_testing.invoker import InvokeResponse

SDK_PACKAGE = "aws_durable_execution_sdk_python"
SDK_DISTRIBUTION = "aws-durable-execution-sdk-python"


@dataclass(frozen=True)
class FailedInvocation:
    """An invocation that ended in a function error (a crash, a timeout, an unhandled error):
    AWS records it in the history as InvocationCompleted with its error."""

    started: datetime.datetime
    ended: datetime.datetime
    request_id: str
    error_type: str
    error_message: str


@dataclass(frozen=True)
class FunctionOutcome:
    """What one invocation of a function gave: its payload, and the error type if it failed."""

    payload: bytes
    request_id: str
    error_type: str | None = None


class FunctionNotFound(LookupError):
    """The function an execution runs no longer exists."""


# (function name or ARN, with an optional ":qualifier"; JSON payload) -> the invocation's outcome
RunFunction = Callable[[str, bytes], Coroutine[Any, Any, FunctionOutcome]]


class LaminaInvoker:
    """Runs a durable function's handler once per executor request, on Lamina's loop."""

    def __init__(self, run: RunFunction, loop: asyncio.AbstractEventLoop) -> None:
        self._run = run
        self._loop = loop
        self._max_page_bytes = DEFAULT_MAX_INVOCATION_PAGE_BYTES
        # The executor's clock (set by the service), so the failure's times sort with its events.
        self.now: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(
            datetime.timezone.utc
        )
        self.failures: dict[str, FailedInvocation] = {}  # by execution ARN, until recorded

    def create_invocation_input(self, execution: Execution) -> DurableExecutionInvocationInput:
        """The input the SDK reads: the ARN, a fresh checkpoint token, the first page of state."""
        paginator = OperationPaginatorState.pin(execution)
        operations, next_marker = paginator.page(None, self._max_page_bytes)
        return DurableExecutionInvocationInput(
            durable_execution_arn=execution.durable_execution_arn,
            checkpoint_token=execution.get_new_checkpoint_token(),
            initial_execution_state=InitialExecutionState(
                operations=operations, next_marker=next_marker or ""
            ),
            updated_operation_ids=list(execution.updated_operation_ids),
        )

    def invoke(
        self,
        function_name: str,
        input: DurableExecutionInvocationInput,  # noqa: A002 (the protocol's name)
        endpoint_url: str | None = None,
        tenant_id: str | None = None,
        account_id: str | None = None,
        region_name: str | None = None,
    ) -> InvokeResponse:
        payload = json.dumps(input.to_json_dict()).encode()
        started = self.now()
        future = asyncio.run_coroutine_threadsafe(self._run(function_name, payload), self._loop)
        try:
            outcome = future.result()
        except FunctionNotFound as e:
            raise ResourceNotFoundException(f"Function not found: {e}") from None
        if outcome.error_type is not None:
            self.failures[input.durable_execution_arn] = FailedInvocation(
                started,
                self.now(),
                outcome.request_id,
                outcome.error_type,
                _error_message(outcome.payload),
            )
            raise _invocation_error(function_name, outcome)
        response: InvokeResponse = InvokeResponse.from_payload(outcome.payload, outcome.request_id)
        return response

    def update_endpoint(self, endpoint_url: str, region_name: str) -> None:
        """Lamina runs handlers itself: there is no endpoint to change."""

    def inherit_endpoint(self, child_execution_arn: str, parent_execution_arn: str) -> None:
        """Lamina runs handlers itself: there is no endpoint to inherit."""


def _invocation_error(function_name: str, outcome: FunctionOutcome) -> Exception:
    """A failed invocation. The service retries it, unless the handler cannot even be loaded
    because the SDK is missing: that execution fails at once, with what to do."""
    message = _error_message(outcome.payload)
    if outcome.error_type == "Runtime.ImportModuleError" and SDK_PACKAGE in message:
        return InvalidInvocationOutputError(
            f"{function_name}: the durable execution SDK is not installed in the function "
            f"(add {SDK_DISTRIBUTION} to its requirements.txt): {message}",
            outcome.request_id,
        )
    return DurableFunctionsTestError(
        f"{function_name}: the invocation failed ({outcome.error_type}): {message}"
    )


def _error_message(payload: bytes) -> str:
    try:
        body: Any = json.loads(payload)
    except ValueError:
        return payload.decode(errors="replace")[:500]
    if isinstance(body, dict):
        return str(body.get("errorMessage", ""))
    return str(body)[:500]
