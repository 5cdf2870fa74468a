"""Lambda's error shapes: the fault types, the error JSON, its log line and the X-Ray cause."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any

    Frame = tuple[str, int | None, str, str | None]

ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"
UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type: str, msg: str, trace: list[str] | None = None) -> None:
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


# The runtime client's own frames, left out of a stack trace as awslambdaric leaves out its own.
_HERE = os.path.dirname(os.path.abspath(__file__))


def make_error(
    error_message: str | None,
    error_type: str | None,
    stack_trace: list[str] | None,
    invoke_id: str | None = None,
) -> dict[str, Any]:
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def user_frames(tb: TracebackType | None) -> list[Frame]:
    import traceback

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if "/bootstrap.py" not in frame[0] and os.path.dirname(frame[0]) != _HERE:
            return frames[i:]
    return frames


def format_frames(frames: list[Frame]) -> list[str]:
    import traceback

    return traceback.format_list(frames)  # type: ignore[arg-type]


def xray_fault(ex_type: str, ex_msg: str, frames: list[Frame]) -> dict[str, Any]:
    return {
        "working_directory": os.getcwd(),
        "exceptions": [
            {
                "message": ex_msg,
                "type": ex_type,
                "stack": [{"label": f[2], "path": f[0], "line": f[1]} for f in frames],
            }
        ],
        "paths": list({f[0] for f in frames}),
    }


def log_error(error: dict[str, Any]) -> None:
    lines = ["[ERROR]"]
    if error.get("errorType"):
        lines[0] += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            lines[0] += ":"
        lines[0] += " " + error["errorMessage"]
    stack_trace = error.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                stripped = line.lstrip(" ")
                lines.append(ERROR_LOG_IDENT * (len(line) - len(stripped)) + stripped)
    sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


# --- Handler loading, with awslambdaric's error classification ------------------------------
