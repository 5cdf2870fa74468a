"""Lambda's throttle: an invocation beyond a function's reserved concurrency never runs.

Lambda answers it with TooManyRequestsException (`Rate Exceeded.`, reason
ReservedFunctionConcurrentInvocationLimitExceeded) before any code runs; a function whose
ReservedConcurrentExecutions is 0 is throttled every time. API Gateway turns that into a 500
for its client (its INTEGRATION_FAILURE response); `lamina invoke` says it in one line.
"""

from __future__ import annotations

REASON = "ReservedFunctionConcurrentInvocationLimitExceeded"
MESSAGE = "Rate Exceeded."


class FunctionThrottled(Exception):
    """The pool refused an invocation: the function's reserved concurrency is in use."""

    def __init__(self, function: str, reserved: int) -> None:
        self.function = function
        self.reserved = reserved
        super().__init__(
            f"TooManyRequestsException: {MESSAGE} ({REASON}: {function} has "
            f"ReservedConcurrentExecutions {reserved}"
            + (", so Lambda throttles every invocation)" if reserved == 0 else ", all in use)")
        )
