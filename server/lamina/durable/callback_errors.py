"""AWS's errors for a SendDurableExecutionCallbackSuccess/Failure/Heartbeat that names no open
callback.

The testing runner answers every such call with ResourceNotFoundException and the Python error
behind it ("Failed to process callback success: 'utf-8' codec can't decode byte ..."). AWS's
API reference (botocore's model) has two answers: CallbackTimeoutException (400) when "the
callback ID token has either expired or the callback associated with the token has already
been closed", and ResourceNotFoundException (404) for one that does not exist. Here a callback
that completed, failed, timed out, or whose execution has ended, gets the first; an id that is
not a callback's of a stored execution gets the second, with a message that names it.
"""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python.lambda_service import OperationStatus
from aws_durable_execution_sdk_python_testing.exceptions import (
    AwsApiException,
    ResourceNotFoundException,
)
from aws_durable_execution_sdk_python_testing.token import CallbackToken

CLOSED_MESSAGE = (
    "The callback ID token has either expired or the callback associated with the token has "
    "already been closed."
)


class CallbackTimeoutException(AwsApiException):
    """botocore's shape: HTTP 400, members Type and Message (the testing package's own has 408
    and `message`)."""

    http_status_code = 400

    def __init__(self, message: str = CLOSED_MESSAGE) -> None:
        self.Message = message
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"Type": "CallbackTimeoutException", "Message": self.Message}


def callback_error(executor: Any, callback_id: str) -> AwsApiException | None:
    """Why `callback_id` cannot be sent now, as AWS says it; None when it names an open
    callback."""
    try:
        token = CallbackToken.from_str(callback_id)
        execution = executor.get_execution(token.execution_arn)
        _, operation = execution.find_callback_operation(callback_id)
    except Exception:  # not a token, no such execution, no such callback in it
        return ResourceNotFoundException(f"Callback {callback_id} does not exist")
    if operation.status != OperationStatus.STARTED or execution.is_complete:
        return CallbackTimeoutException()
    return None


class CallbackErrors:
    """Mixed into the executor before the runner's Executor: the three callback calls check
    the callback first, and name a failure by its cause."""

    def send_callback_success(self, callback_id: str, result: bytes | None = None) -> Any:
        return self._send(super().send_callback_success, callback_id, result)  # type: ignore[misc]

    def send_callback_failure(self, callback_id: str, error: Any = None) -> Any:
        return self._send(super().send_callback_failure, callback_id, error)  # type: ignore[misc]

    def send_callback_heartbeat(self, callback_id: str) -> Any:
        return self._send(super().send_callback_heartbeat, callback_id)  # type: ignore[misc]

    def _send(self, send: Any, callback_id: str, *args: Any) -> Any:
        if callback_id:  # an empty id is the runner's InvalidParameterValueException
            refused = callback_error(self, callback_id)
            if refused is not None:
                raise refused
        try:
            return send(callback_id, *args)
        except ResourceNotFoundException as e:  # closed meanwhile
            raise (callback_error(self, callback_id) or e) from e
