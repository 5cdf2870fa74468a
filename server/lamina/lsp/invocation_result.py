"""The `lamina/invocationResult` object (DESIGN.md, Interfaces) and its one-line summary for
editors without custom UI. Plain data: no pygls."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lamina.runtime.invocation import InvocationResult

_FRAME = re.compile(r'File "([^"]+)", line (\d+)')
SUMMARY_PAYLOAD_CHARS = 160


def _payload(result: InvocationResult) -> Any:
    text = result.payload.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def error_location(error: dict[str, Any], code_dirs: list[Path]) -> dict[str, Any] | None:
    """The innermost stack frame in the function's own code: {uri, line} (0-based line, as LSP
    positions are)."""
    trace = error.get("stackTrace")
    if not isinstance(trace, list):
        return None
    roots = [str(folder.resolve()) for folder in code_dirs]
    found: dict[str, Any] | None = None
    for frame in trace:
        for file, line in _FRAME.findall(str(frame)):
            path = Path(file)
            if not path.is_absolute():
                continue
            resolved = str(path.resolve())
            inside = any(resolved == r or resolved.startswith(r.rstrip("/") + "/") for r in roots)
            if inside and "site-packages" not in resolved and "/deps-" not in resolved:
                found = {"uri": path.resolve().as_uri(), "line": max(int(line) - 1, 0)}
    return found


def invocation_result(
    result: InvocationResult,
    function: str,
    event: str | None,
    code_dirs: list[Path],
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": result.request_id,
        "function": function,
        "event": event,
        "ok": result.ok,
        "logs": result.logs,
        "durationMs": round(result.duration_ms, 3),
        "billedDurationMs": result.billed_duration_ms,
        "memorySizeMb": result.memory_size_mb,
        "maxMemoryUsedMb": result.max_memory_used_mb,
        "initDurationMs": (
            round(result.init_duration_ms, 3) if result.init_duration_ms is not None else None
        ),
        "cold": result.cold,
    }
    if result.ok:
        payload["payload"] = _payload(result)
    else:
        error = dict(result.error or {})
        shaped: dict[str, Any] = {
            "errorType": str(error.get("errorType", "Runtime.Unknown")),
            "errorMessage": str(error.get("errorMessage", "")),
            "stackTrace": error.get("stackTrace") or [],
        }
        location = error_location(error, code_dirs)
        if location is not None:
            shaped["location"] = location
        payload["error"] = shaped
    return payload


def summary(result: dict[str, Any]) -> str:
    """One line: what ran, how it went, how long it took, and the start of the answer."""
    start = "cold start" if result["cold"] else "warm"
    if result.get("initDurationMs") is not None:
        start += f", init {result['initDurationMs']:.0f} ms"
    event = f" with {result['event']}" if result.get("event") else ""
    timing = f"{result['durationMs']:.1f} ms ({start}), {result['maxMemoryUsedMb']} MB"
    if result["ok"]:
        text = json.dumps(result.get("payload"), ensure_ascii=False)
        if len(text) > SUMMARY_PAYLOAD_CHARS:
            text = text[: SUMMARY_PAYLOAD_CHARS - 1] + "…"
        return f"✓ {result['function']}{event}: {timing} → {text}"
    error = result["error"]
    where = ""
    if "location" in error:
        name = error["location"]["uri"].rsplit("/", 1)[-1]
        where = f" at {name}:{error['location']['line'] + 1}"
    message = error["errorMessage"].replace("\n", " ")
    if len(message) > SUMMARY_PAYLOAD_CHARS:
        message = message[: SUMMARY_PAYLOAD_CHARS - 1] + "…"
    return f"✗ {result['function']}{event}: {error['errorType']}: {message}{where} ({timing})"
