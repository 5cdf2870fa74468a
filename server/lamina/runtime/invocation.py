"""One invocation's request and result, as the pool and its callers see them."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def new_request_id() -> str:
    """A random (version 4) UUID, as Lambda's request ids are: str(uuid.uuid4())'s format at
    under half its cost (it is made for every request lamina api answers)."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


@dataclass
class InvocationRequest:
    payload: bytes = b"{}"
    content_type: str = "application/json"
    request_id: str = field(default_factory=new_request_id)
    client_context: str | None = None  # JSON text, as the Lambda-Runtime-Client-Context header
    cognito_identity: str | None = None  # JSON text
    trace_id: str | None = None
    invoked_function_arn: str | None = None  # defaults to the function's (qualified) ARN
    tenant_id: str | None = None  # as the Lambda-Runtime-Aws-Tenant-Id header (tenant isolation)
    # Hears a streamed response's bytes as the runtime sends them (a chunked POST /response).
    on_chunk: Callable[[bytes], None] | None = field(default=None, compare=False)

    @classmethod
    def from_json(cls, event: Any, **kwargs: Any) -> InvocationRequest:
        return cls(payload=json.dumps(event).encode(), **kwargs)


@dataclass
class InvocationResult:
    """What came back. `payload` is the function's response body, or the error JSON on failure."""

    request_id: str
    ok: bool
    payload: bytes
    content_type: str = "application/json"
    error: dict[str, Any] | None = None
    logs: str = ""
    duration_ms: float = 0.0
    billed_duration_ms: int = 0
    memory_size_mb: int = 128
    max_memory_used_mb: int = 0
    init_duration_ms: float | None = None
    executed_version: str = "$LATEST"

    @property
    def cold(self) -> bool:
        return self.init_duration_ms is not None

    @property
    def function_error(self) -> str | None:
        """The X-Amz-Function-Error header value Lambda's Invoke API would send."""
        return None if self.ok else "Unhandled"

    def log_tail(self, limit: int = 4096) -> bytes:
        """The last `limit` bytes of the log, as Invoke with LogType=Tail returns them."""
        return self.logs.encode("utf-8", "replace")[-limit:]

    def json_payload(self) -> Any:
        """The payload parsed as JSON, or the raw text when it isn't JSON."""
        text = self.payload.decode("utf-8", "replace")
        try:
            return json.loads(text)
        except ValueError:
            return text
