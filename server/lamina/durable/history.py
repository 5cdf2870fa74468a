"""Two gaps in the testing runner's execution history, filled as AWS fills them (the
conformance requirements give AWS's histories):

- InvocationCompleted events carry InvocationCompletedDetails (StartTimestamp, EndTimestamp,
  RequestId); the runner builds them but drops them when it numbers the events. A failed
  invocation's (a crash: Runtime.ExitError) also carries its Error.
- A step that succeeds after failed attempts says which attempt it was
  (StepSucceededDetails.RetryDetails.CurrentAttempt).
- A step's intermediate StepSucceeded (a wait_for_condition poll that goes on: a RETRY update
  with the state as its payload) carries that state as Result.Payload, with execution data.
- CallbackStarted carries the callback's Timeout and HeartbeatTimeout (seconds; absent when 0,
  which means none), from the update that started it.
- ChainedInvokeStarted carries the target's ExecutedVersion and the TenantId the invoke gave
  (botocore's ChainedInvokeStartedDetails has both; the conformance requirements 5-1 and 5-8
  expect them, though the runner says the service leaves TenantId out).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from aws_durable_execution_sdk_python_testing.child_dispatcher import parse_function_target
from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.model import (
    ChainedInvokeStartedDetails,
    Event,
    EventResult,
    GetDurableExecutionHistoryResponse,
    InvocationCompletedDetails,
    RetryDetails,
    executed_version,
)

CALLBACK_STARTED = "CallbackStarted"
CHAINED_INVOKE_STARTED = "ChainedInvokeStarted"
INVOCATION_COMPLETED = "InvocationCompleted"
STEP_FAILED = "StepFailed"
STEP_SUCCEEDED = "StepSucceeded"


@dataclasses.dataclass(frozen=True)
class FailedInvocationDetails(InvocationCompletedDetails):
    error_type: str = ""
    error_message: str = ""

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = super().to_dict()
        payload = {"ErrorType": self.error_type, "ErrorMessage": self.error_message}
        result["Error"] = {"Payload": payload, "Truncated": False}
        return result


@dataclasses.dataclass(frozen=True)
class ChainedInvokeStartedWithVersion(ChainedInvokeStartedDetails):
    executed_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = super().to_dict()
        if self.executed_version is not None:
            result["ExecutedVersion"] = self.executed_version
        return result


def _target_version(function_name: str) -> str:
    try:
        return executed_version(parse_function_target(function_name).qualifier)
    except ValueError:
        return executed_version(None)


def complete_history(
    execution: Execution,
    response: GetDurableExecutionHistoryResponse,
    include_data: bool,
    invocation_errors: Mapping[str, tuple[str, str]],
) -> GetDurableExecutionHistoryResponse:
    completions = {c.end_timestamp: c for c in execution.invocation_completions}
    events = sorted(response.events, key=lambda e: e.event_id)
    failed_attempts: dict[str, int] = {}
    callback_options = {
        u.operation_id: u.callback_options for u in execution.updates if u.callback_options
    }
    payloads = {
        (u.operation_id, when): u.payload
        for u, when in zip(execution.updates, execution.update_timestamps, strict=False)
        if u.payload is not None
    }
    invoke_options = {
        u.operation_id: u.chained_invoke_options
        for u in execution.updates
        if u.chained_invoke_options
    }
    fixed: dict[int, Event] = {}
    for event in events:
        if event.event_type == CHAINED_INVOKE_STARTED and event.operation_id in invoke_options:
            invoked = event.chained_invoke_started_details
            target = invoke_options[event.operation_id]
            if invoked is not None and target is not None:
                fixed[event.event_id] = dataclasses.replace(
                    event,
                    chained_invoke_started_details=ChainedInvokeStartedWithVersion(
                        function_name=invoked.function_name,
                        tenant_id=invoked.tenant_id or target.tenant_id,
                        input=invoked.input,
                        durable_execution_arn=invoked.durable_execution_arn,
                        executed_version=_target_version(target.function_name),
                    ),
                )
            continue
        if include_data and event.event_type == STEP_SUCCEEDED:
            succeeded = event.step_succeeded_details
            payload = payloads.get((event.operation_id or "", event.event_timestamp))
            result = None if succeeded is None else succeeded.result
            if (
                succeeded is not None
                and payload is not None
                and (result is None or result.payload is None)
            ):
                event = dataclasses.replace(
                    event,
                    step_succeeded_details=dataclasses.replace(
                        succeeded, result=EventResult(payload=payload)
                    ),
                )
                fixed[event.event_id] = event
        if event.event_type == CALLBACK_STARTED and event.operation_id in callback_options:
            started = event.callback_started_details
            options = callback_options[event.operation_id]
            if (
                started is not None
                and started.timeout is None
                and started.heartbeat_timeout is None
            ):
                fixed[event.event_id] = dataclasses.replace(
                    event,
                    callback_started_details=dataclasses.replace(
                        started,
                        timeout=options.timeout_seconds or None,
                        heartbeat_timeout=options.heartbeat_timeout_seconds or None,
                    ),
                )
            continue
        if event.event_type == INVOCATION_COMPLETED and event.invocation_completed_details is None:
            completion = completions.get(event.event_timestamp)
            if completion is not None:
                error = invocation_errors.get(completion.end_timestamp.isoformat())
                details: InvocationCompletedDetails = completion
                if error is not None:
                    details = FailedInvocationDetails(
                        start_timestamp=completion.start_timestamp,
                        end_timestamp=completion.end_timestamp,
                        request_id=completion.request_id,
                        error_type=error[0],
                        error_message=error[1],
                    )
                fixed[event.event_id] = dataclasses.replace(
                    event, invocation_completed_details=details
                )
        elif event.event_type == STEP_FAILED and event.operation_id is not None:
            failed = event.step_failed_details
            retry = None if failed is None else failed.retry_details
            if retry is not None:
                failed_attempts[event.operation_id] = retry.current_attempt
        elif event.event_type == STEP_SUCCEEDED and event.operation_id in failed_attempts:
            succeeded = event.step_succeeded_details
            if succeeded is not None and succeeded.retry_details is None:
                attempt = failed_attempts[event.operation_id] + 1
                retry_details = RetryDetails(current_attempt=attempt)
                fixed[event.event_id] = dataclasses.replace(
                    event,
                    step_succeeded_details=dataclasses.replace(
                        succeeded, retry_details=retry_details
                    ),
                )
    if not fixed:
        return response
    return dataclasses.replace(response, events=[fixed.get(e.event_id, e) for e in response.events])
