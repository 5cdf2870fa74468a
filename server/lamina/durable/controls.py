"""PauseDurableExecution, ResumeDurableExecution and DeleteDurableExecution, as botocore's
2025-12-01 model has them (the testing runner's wire layer has no routes for them):

    POST   /2025-12-01/durable-executions/{arn}/pause   -> 202 {}
    POST   /2025-12-01/durable-executions/{arn}/resume  -> 202 {}
    DELETE /2025-12-01/durable-executions/{arn}         -> 202 {"DeletionRequestTimestamp": t}

A paused execution runs no new invocation: a running one finishes its current step, its next
checkpoint is answered without a token and it ends PENDING; a timer or callback that comes due
is held back. GetDurableExecution says PAUSING until no invocation runs, then PAUSED. Resume
starts the invocation that was held back. The pause is kept in the store, so it survives a
restart. Pausing or resuming an execution that has ended is refused (ResourceConflictException);
so is deleting one that has not (stop it first). ExecutionTimeoutPaused (default true) holds
the execution timeout while paused and extends it by that time (timeout_pause.py).
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any
from urllib.parse import unquote

from aws_durable_execution_sdk_python_testing.exceptions import (
    AwsApiException,
    InvalidParameterValueException,
)

from lamina.durable import timeout_pause

_CONTROL_PATH = re.compile(
    r"^/2025-12-01/durable-executions/(?P<arn>[^/]+)(?P<action>/pause|/resume)?$"
)


class ResourceConflictException(AwsApiException):
    http_status_code = 409

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"Type": "ResourceConflictException", "message": self.message}


def match(method: str, raw_path: str) -> tuple[str, str] | None:
    """(operation, execution ARN) when the request is one of these three, else None."""
    found = _CONTROL_PATH.match(raw_path)
    if found is None:
        return None
    action = found.group("action")
    arn = unquote(found.group("arn"))
    if method == "POST" and action == "/pause":
        return "pause", arn
    if method == "POST" and action == "/resume":
        return "resume", arn
    if method == "DELETE" and action is None:
        return "delete", arn
    return None


def perform(executor: Any, operation: str, arn: str, body: bytes) -> dict[str, Any]:
    """Do it; the response body. Raises the modelled errors (AwsApiException)."""
    reason: Any = None
    timeout_paused: Any = True  # botocore: "The default value is true."
    if body.strip():
        try:
            fields = json.loads(body)
        except ValueError:
            raise InvalidParameterValueException("the request body is not JSON") from None
        fields = fields if isinstance(fields, dict) else {}
        reason = fields.get("Reason")
        if reason is not None and not isinstance(reason, str):
            raise InvalidParameterValueException("Reason must be a string")
        timeout_paused = fields.get("ExecutionTimeoutPaused", True)
        if not isinstance(timeout_paused, bool):
            raise InvalidParameterValueException("ExecutionTimeoutPaused must be a boolean")
    execution = executor.get_execution(arn)  # ResourceNotFoundException when unknown
    if operation == "delete":
        if not execution.is_complete:
            raise ResourceConflictException(
                f"Durable execution {arn} is still running; stop it before deleting it"
            )
        executor.delete_execution(arn)
        now = datetime.datetime.now(datetime.timezone.utc)
        return {"DeletionRequestTimestamp": now.timestamp()}
    if execution.is_complete:
        raise ResourceConflictException(
            f"Durable execution {arn} has ended ({execution.current_status().value}); "
            f"it cannot be {'paused' if operation == 'pause' else 'resumed'}"
        )
    if operation == "pause":
        executor.request_pause(arn)
        timeout_pause.pause(executor, arn, reason, timeout_paused)
    else:
        timeout_pause.resume(executor, arn, reason)
        executor.resume_execution(arn)
    return {}
