"""What closes an invocation's log besides END: Lambda's "Task timed out" line and the REPORT's
figures, as Lambda gives them after a timeout, an out-of-memory kill or a failed init; and the
invocation's result with its whole log."""

from __future__ import annotations

from typing import Any

from lamina.runtime.config import FunctionConfig
from lamina.runtime.invocation import InvocationResult
from lamina.runtime.invocation_messages import Outcome, parse_error
from lamina.runtime.log_lines import Report, end_line, platform_timestamp

_MB = 1024 * 1024
SUSPENDED_NOTE = "Timeout: suspended while a debugger was attached"


def closing(
    request_id: str,
    config: FunctionConfig,
    error: dict[str, Any] | None,
    duration_ms: float,
    peak_rss: int,
    init_ms: float | None,
    init_failed: bool,
    suspended: bool = False,
) -> tuple[str, Report]:
    """The lines to log before END (maybe none), and the REPORT. `init_ms`: the Init Duration
    to report (None for a warm or provisioned invoke); `init_failed`: this cold invoke's init
    failed; `suspended`: a debugger held the timeout."""
    error_type = error.get("errorType") if error else None
    peak_mb = config.memory_size if error_type == "Runtime.OutOfMemory" else -(-peak_rss // _MB)
    lines = ""
    if error_type == "Sandbox.Timedout" and not init_failed:
        lines = f"{platform_timestamp()} {request_id} Task timed out after {config.timeout:.2f} seconds\n"
    note = SUSPENDED_NOTE if suspended else ""
    if init_failed and error is not None and init_ms is not None:
        # As Lambda reports a failed init: the time and memory the init took, and its error.
        duration_ms, init_ms = init_ms, None
        note = f"Status: error\tError Type: {error.get('errorType', 'Runtime.Unknown')}"
    return lines, Report(request_id, duration_ms, config.memory_size, peak_mb, init_ms, note)


def finished(
    request_id: str,
    config: FunctionConfig,
    outcome: Outcome,
    prefix: str,
    output: str,
    duration_ms: float,
    peak_rss: int,
    init_ms: float | None,
    init_failed: bool,
    suspended: bool,
) -> tuple[InvocationResult, dict[str, Any] | None, Report]:
    """An invocation's result, with its whole log: `prefix` (init's output, START), the
    function's `output`, then what closes it (see `closing`), END and REPORT. Also its error,
    if any, and the REPORT's figures."""
    error = None if outcome.ok else parse_error(outcome.body)
    lines, report = closing(
        request_id, config, error, duration_ms, peak_rss, init_ms, init_failed, suspended
    )
    logs = f"{prefix}{output}{lines}{end_line(request_id)}{report.line()}"
    return outcome.result(error, logs, report, config.version), error, report


def init_timeout_line(seconds: float) -> bytes:
    """The INIT_REPORT Lambda logs when init runs past its limit."""
    return f"INIT_REPORT Init Duration: {seconds * 1000:.2f} ms\tPhase: init\tStatus: timeout\n".encode()
