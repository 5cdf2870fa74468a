"""One request as lamina api's front saw it: for the log line, the editor's output and saved
events."""

from __future__ import annotations

from dataclasses import dataclass, field

from lamina.runtime.invocation import new_request_id


@dataclass
class RequestRecord:
    """One request as the front saw it: for the log line, the LSP output and saved events."""

    method: str
    path: str
    status: int
    function: str | None
    duration_ms: float
    event: bytes | None = None
    problem: str | None = None
    logs: str = ""  # the function's log lines (START ... REPORT)
    # API Gateway's request id: requestContext.requestId and the x-amzn-RequestId header
    # (apigw-requestid from HTTP APIs).
    request_id: str = field(default_factory=new_request_id)

    def summary(self) -> str:
        """One line: `GET /items/42 200 → ItemsFunction 1.3 ms[: why]`."""
        target = f" → {self.function}" if self.function else ""
        line = f"{self.method} {self.path} {self.status}{target} {self.duration_ms:.1f} ms"
        return f"{line}: {self.problem}" if self.problem else line
