"""What passes through the Runtime API for one invocation, as the environment builds and reads
it: the event's headers, and how the invocation ended (a response, or an error JSON)."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from lamina.runtime import sandbox_errors
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.log_lines import Report


def event_headers(
    request: InvocationRequest, function_arn: str, timeout_s: float
) -> dict[str, str]:
    """The headers of the event's answer to GET /invocation/next."""
    deadline_ms = int(time.time() * 1000 + timeout_s * 1000)
    headers = {
        "Content-Type": request.content_type,
        "Lambda-Runtime-Aws-Request-Id": request.request_id,
        "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
        "Lambda-Runtime-Invoked-Function-Arn": request.invoked_function_arn or function_arn,
        "Lambda-Runtime-Trace-Id": request.trace_id or _new_trace_id(),
    }
    if request.client_context:
        headers["Lambda-Runtime-Client-Context"] = request.client_context
    if request.cognito_identity:
        headers["Lambda-Runtime-Cognito-Identity"] = request.cognito_identity
    if request.tenant_id:
        headers["Lambda-Runtime-Aws-Tenant-Id"] = request.tenant_id
    return headers


class Outcome:
    """How an invocation ended: a response body, or an error JSON."""

    def __init__(self, ok: bool, body: bytes, content_type: str = "application/json") -> None:
        self.ok = ok
        self.body = body
        self.content_type = content_type

    @classmethod
    def error(cls, error: dict[str, Any]) -> Outcome:
        return cls(False, sandbox_errors.encode(error))

    def result(
        self, error: dict[str, Any] | None, logs: str, report: Report, version: str
    ) -> InvocationResult:
        """The invocation's result, as its REPORT line gave it."""
        return InvocationResult(  # by position: a dozen keywords cost more than the rest
            report.request_id, self.ok, self.body, self.content_type, error, logs,
            report.duration_ms, report.billed_duration_ms, report.memory_size_mb,
            report.max_memory_used_mb, report.init_duration_ms, version,
        )  # fmt: skip


def parse_error(body: bytes) -> dict[str, Any]:
    try:
        error = json.loads(body)
    except ValueError:
        error = None
    if isinstance(error, dict):
        return error
    return {"errorType": "Runtime.Unknown", "errorMessage": body.decode("utf-8", "replace")}


def api_error(error_type: str, message: str) -> str:
    return json.dumps({"errorType": error_type, "errorMessage": message})


def _new_trace_id() -> str:
    random = os.urandom(20).hex()  # one call for both ids
    return f"Root=1-{int(time.time()):08x}-{random[:24]};Parent={random[24:]};Sampled=0"
