"""An execution's history as lines a person reads: what ran, in order, with results and how
long each operation took (from its Started event to its end). Input: the events as
GetDurableExecutionHistory gives them (boto3's shape); no testing-package import."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from typing import Any

_ENDINGS = ("Succeeded", "Failed", "TimedOut", "Stopped", "Cancelled")


def _details(event: Mapping[str, Any]) -> Mapping[str, Any]:
    for key, value in event.items():
        if key.endswith("Details") and isinstance(value, Mapping):
            return value
    return {}


def _seconds(value: Any) -> float | None:
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _short(payload: Any, limit: int = 60) -> str:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_event(event: Mapping[str, Any], started: Mapping[str, float]) -> str:
    kind = str(event.get("EventType", "?"))
    name = event.get("Name") or event.get("SubType") or ""
    details = _details(event)
    parts = [f"{event.get('EventId', '?'):>3}  {kind:<22} {name}"]
    result = details.get("Result") or details.get("Output")
    if isinstance(result, Mapping) and "Payload" in result:
        parts.append(f"-> {_short(result['Payload'])}")
    error = details.get("Error")
    if isinstance(error, Mapping):
        payload = error.get("Payload", error)
        if isinstance(payload, Mapping):
            parts.append(
                f"!! {payload.get('ErrorType', '')}: {_short(payload.get('ErrorMessage', ''))}"
            )
    if "Duration" in details and kind.startswith("Wait"):
        parts.append(f"({details['Duration']} s wait)")
    retry = details.get("RetryDetails")
    if isinstance(retry, Mapping) and retry.get("CurrentAttempt"):
        parts.append(f"[attempt {retry['CurrentAttempt']}]")
    op = event.get("Id")
    now = _seconds(event.get("EventTimestamp"))
    if kind.endswith(_ENDINGS) and isinstance(op, str) and op in started and now is not None:
        parts.append(_duration(now - started[op]))
    return "  ".join(parts)


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    units = ((days, "d"), (hours, "h"), (minutes, "min"), (secs, "s"))
    return " ".join(f"{n} {unit}" for n, unit in units if n)


def history_lines(events: Iterable[Mapping[str, Any]]) -> list[str]:
    started: dict[str, float] = {}
    lines = []
    for event in events:
        op = event.get("Id")
        when = _seconds(event.get("EventTimestamp"))
        started_event = str(event.get("EventType", "")).endswith("Started")
        if started_event and isinstance(op, str) and when is not None:
            started[op] = when
        lines.append(describe_event(event, started))
    return lines
