"""AWS's executor (from the testing runner) with what Lamina changes in it:

- Execution ARNs as AWS writes them (botocore's DurableExecutionArn pattern):
  arn:aws:lambda:REGION:ACCOUNT:function:NAME:VERSION/durable-execution/EXECUTION_NAME/ID.
  The runner's own are opaque ids; the SDK, boto3 and the conformance suite expect these.
- --skip-time skips time only while no handler of the execution runs (skip_time.py).
- The history's InvocationCompletedDetails and a retried step's attempt (history.py).
- A chained invoke's target starts after the invocation that asked for it ends.
- Terminal transitions are reported to `on_terminal`, so a waiting Invoke needs no thread.
- A callback call that names no open callback gets AWS's error (callback_errors.py).
- A step or child context result over 256 KB is refused as AWS refuses it (payload_limits.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Awaitable, Callable

from aws_durable_execution_sdk_python.lambda_service import ErrorObject
from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.model import (
    GetDurableExecutionHistoryResponse,
    GetDurableExecutionResponse,
    StartDurableExecutionInput,
    executed_version,
)
from aws_durable_execution_sdk_python_testing.worker.checkpoint_tasks import CallableTask
from aws_durable_execution_sdk_python_testing.worker.status import InvocationState

from lamina.durable import pause_events
from lamina.durable.callback_errors import CallbackErrors
from lamina.durable.history import complete_history
from lamina.durable.payload_limits import CheckpointLimits
from lamina.durable.skip_time import SkipWhileIdle

CHAINED_DISPATCH_HOLD_S = 2.0


def execution_arn(region: str, start: StartDurableExecutionInput, invocation_id: str) -> str:
    version = executed_version(start.function_qualifier)
    return (
        f"arn:aws:lambda:{region}:{start.account_id}:function:{start.function_name}:{version}"
        f"/durable-execution/{start.execution_name}/{invocation_id}"
    )


class LaminaExecutor(CheckpointLimits, CallbackErrors, SkipWhileIdle, Executor):
    on_terminal: Callable[[str], None] | None = None

    def _create_execution(
        self, input: StartDurableExecutionInput, parent_execution_arn: str | None = None
    ) -> Execution:
        invocation_id = input.invocation_id or str(uuid.uuid4())
        start = dataclasses.replace(input, invocation_id=invocation_id)
        execution = Execution(
            durable_execution_arn=execution_arn(self.region, start, invocation_id),
            start_input=start,
            operations=[],
        )
        execution.region = self.region
        execution.parent_execution_arn = parent_execution_arn
        execution.start(now=self._clock.now())
        self._store.save(execution)
        return execution

    def is_invoking(self, execution_arn: str) -> bool:
        """Whether a handler invocation of this execution is running now."""
        return self._invocation_gate(execution_arn) is InvocationState.INVOKING

    def _retry_after_error(self, execution_arn: str, error: ErrorObject) -> None:
        """A failed invocation is retried as the runner does, and recorded first, as AWS
        records it: an InvocationCompleted event with the function's error."""
        failures = getattr(self._invoker, "failures", {})
        failure = failures.pop(execution_arn, None)
        if failure is not None:
            # Stamped on the execution's lane: a checkpoint the crashed handler sent just
            # before it died is applied first, and its events come before this one.
            ended = max(failure.ended, self._clock.now())
            execution = self._store.load(execution_arn)
            execution.record_invocation_completion(failure.started, ended, failure.request_id)
            self._store.save(execution)
            record = getattr(self._store, "record_invocation_error", None)
            if record is not None:
                record(execution_arn, ended, failure.error_type, failure.error_message)
        super()._retry_after_error(execution_arn, error)

    def _dispatch_chained_invoke(
        self,
        execution_arn: str,
        operation_id: str,
        function_name: str,
        tenant_id: str | None,
        payload: str | None,
    ) -> Callable[[], Awaitable[None]]:
        """A chained invoke's target starts once the invocation that asked for it has ended
        (for up to CHAINED_DISPATCH_HOLD_S): AWS's histories show that invocation's
        InvocationCompleted before the target's outcome, and a quick target would otherwise
        finish first. A handler that keeps working past that hold does not delay it longer."""
        dispatch = super()._dispatch_chained_invoke(
            execution_arn, operation_id, function_name, tenant_id, payload
        )

        async def after_invocation() -> None:
            deadline = time.monotonic() + CHAINED_DISPATCH_HOLD_S
            while self.is_invoking(execution_arn) and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            await dispatch()

        return after_invocation

    def request_pause(self, execution_arn: str) -> None:
        """Pause without waiting for the running invocation to stop (PauseDurableExecution
        answers 202; GetDurableExecution says PAUSING until it has stopped)."""
        self._registry.submit(
            execution_arn, CallableTask(lambda: self._set_paused(execution_arn))
        ).result()

    def hold_timeout(self, execution_arn: str) -> None:
        """Stop the execution's timeout timer (paused with ExecutionTimeoutPaused)."""
        timer = self._execution_timeouts.pop(execution_arn, None)
        if timer is not None:
            timer.cancel()

    def arm_timeout(self, execution_arn: str, delay: float) -> None:
        """(Re-)arm the execution's timeout to fire in `delay` seconds."""
        self.hold_timeout(execution_arn)
        execution = self.get_execution(execution_arn)
        limit = execution.start_input.execution_timeout_seconds
        completion = self._completion_events.get(execution_arn)
        if completion is None:
            completion = self._completion_events[execution_arn] = self._scheduler.create_event()

        def timed_out() -> None:
            error = ErrorObject.from_message(f"Execution timed out after {limit} seconds.")
            self.on_timed_out(execution_arn, error)

        self._execution_timeouts[execution_arn] = self._scheduler.call_later(
            timed_out, delay=max(delay, 0.0), completion_event=completion
        )

    def delete_execution(self, execution_arn: str) -> None:
        """Forget an execution that has ended (DeleteDurableExecution)."""
        delete = getattr(self._store, "delete", None)
        if delete is not None:
            delete(execution_arn)

    def get_execution_details(self, execution_arn: str) -> GetDurableExecutionResponse:
        details = super().get_execution_details(execution_arn)
        execution = self.get_execution(execution_arn)
        if execution.is_complete or not execution.is_paused:
            return details
        status = "PAUSING" if self.is_invoking(execution_arn) else "PAUSED"
        return dataclasses.replace(details, status=status)

    def _complete_events(self, execution_arn: str) -> None:
        super()._complete_events(execution_arn)
        if self.on_terminal is not None:
            self.on_terminal(execution_arn)

    def get_execution_history(
        self,
        execution_arn: str,
        include_execution_data: bool = False,
        reverse_order: bool = False,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> GetDurableExecutionHistoryResponse:
        pauses_of = getattr(self._store, "pause_events", None)
        pauses = pauses_of(execution_arn) if pauses_of is not None else []
        if pauses:  # the whole history, to put them in and page it again (pause_events.py)
            response = super().get_execution_history(
                execution_arn, include_execution_data, False, None, 1 << 30
            )
        else:
            response = super().get_execution_history(
                execution_arn, include_execution_data, reverse_order, marker, max_items
            )
        errors_of = getattr(self._store, "invocation_errors", None)
        errors = errors_of(execution_arn) if errors_of is not None else {}
        execution = self.get_execution(execution_arn)
        response = complete_history(execution, response, include_execution_data, errors)
        if not pauses:
            return response
        events = [pause_events.event(*pause) for pause in pauses]
        return pause_events.merged(response, events, reverse_order, marker, max_items)
