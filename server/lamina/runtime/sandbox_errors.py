"""Errors that the sandbox, not the runtime client, reports (notes/lambda-facts.md)."""

from __future__ import annotations

import json
import signal
from typing import Any

# Lambda's limit on a synchronous response: 6 MB, plus the 100 bytes of slack it really allows.
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100
# A streamed response's limit: 200 MB since July 2025 (AWS's guide, "Response streaming for Lambda
# functions": "response streaming functions can return payloads up to 200 MB"; it was 20 MB).
MAX_STREAMED_BYTES = 200 * 1024 * 1024

# Lambda's service is written in Go; it names signals the way Go's os.ProcessState does.
_GO_SIGNAL_NAMES = {
    signal.SIGKILL: "killed",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGTERM: "terminated",
    signal.SIGBUS: "bus error",
    signal.SIGILL: "illegal instruction",
    signal.SIGFPE: "floating point exception",
    signal.SIGINT: "interrupt",
}


def error_json(error_type: str, message: str, request_id: str = "") -> dict[str, Any]:
    # Sandbox errors carry no stack trace, and the service orders the keys this way.
    return {"errorType": error_type, "errorMessage": message, "requestId": request_id}


def exit_status_text(returncode: int) -> str:
    if returncode < 0:
        sig = -returncode
        try:
            name = _GO_SIGNAL_NAMES.get(signal.Signals(sig), signal.Signals(sig).name.lower())
        except ValueError:
            name = f"signal {sig}"
        return f"signal: {name}"
    return f"exit status {returncode}"


def exit_error(request_id: str, returncode: int) -> dict[str, Any]:
    return error_json(
        "Runtime.ExitError",
        f"RequestId: {request_id} Error: Runtime exited with error: {exit_status_text(returncode)}",
        request_id,
    )


def out_of_memory(request_id: str) -> dict[str, Any]:
    return error_json(
        "Runtime.OutOfMemory",
        f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
        request_id,
    )


def timed_out(request_id: str, timeout_s: float) -> dict[str, Any]:
    # errorType for the invoke phase is unconfirmed (lambda-facts.md); Sandbox.Timedout is what
    # current runtimes report for the init phase, and older ones gave only the message.
    return error_json(
        "Sandbox.Timedout",
        f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds",
        request_id,
    )


def response_too_large(
    request_id: str, size: int, limit: int = MAX_RESPONSE_BYTES
) -> dict[str, Any]:
    return error_json(
        "Function.ResponseSizeTooLarge",
        f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
        f"({limit} bytes).",
        request_id,
    )


def runtime_unavailable(request_id: str, detail: str) -> dict[str, Any]:
    return error_json("Runtime.Unknown", f"RequestId: {request_id} Error: {detail}", request_id)


def encode(error: dict[str, Any]) -> bytes:
    return json.dumps(error).encode()
