"""serverless.yml `events` in SAM's shape, so that what serves a SAM function's events (the HTTP
front, event source mappings) serves a Serverless Framework function's the same way.

| serverless.yml | SAM event Type | Properties |
|---|---|---|
| `http: GET /items` or `{path, method}` | Api | Path, Method |
| `httpApi: GET /items`, `'*'` or `{path, method}` | HttpApi | Path, Method (none for `*`) |
| `sqs: arn` or `{arn, batchSize}` | SQS | Queue, BatchSize |
| `schedule: rate(1 day)` or `{rate, enabled, input}` | Schedule | Schedule, Enabled, Input |
| `s3: bucket` or `{bucket, event}` | S3 | Bucket, Events (default s3:ObjectCreated:*) |
| `stream: arn` or `{arn, batchSize, startingPosition}` | DynamoDB / Kinesis (by the ARN) | Stream, BatchSize, StartingPosition |
| `sns: topic` or `{arn, topicName}` | SNS | Topic |
| `eventBridge: {pattern, eventBus}` (or `{schedule}`) | EventBridgeRule (or Schedule) | Pattern, EventBusName |

Each event is named `<Type><n>` (`HttpApi1`, ...), n counting per type. Any other event is left
out with a warning naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def sam_events(key: str, events: Any, warnings: list[str]) -> dict[str, dict[str, Any]]:
    """The function's `events` list as SAM `Events`."""
    mapped: dict[str, dict[str, Any]] = {}
    if not isinstance(events, list):
        return mapped
    counts: dict[str, int] = {}
    for index, event in enumerate(events):
        if not isinstance(event, Mapping) or len(event) != 1:
            warnings.append(f"functions.{key}.events[{index}]: not an event (one key per item)")
            continue
        kind, value = next(iter(event.items()))
        converted = _convert(str(kind), value)
        if converted is None:
            warnings.append(f"functions.{key}.events[{index}]: {kind} events are not mapped")
            continue
        event_type = converted["Type"]
        counts[event_type] = counts.get(event_type, 0) + 1
        mapped[f"{event_type}{counts[event_type]}"] = converted
    return mapped


def _convert(kind: str, value: Any) -> dict[str, Any] | None:
    settings = value if isinstance(value, Mapping) else {}
    if kind in ("http", "httpApi"):
        return _http(kind, value, settings)
    if kind == "sqs":
        queue = value if isinstance(value, str) else settings.get("arn")
        return _event("SQS", Queue=queue, BatchSize=settings.get("batchSize"))
    if kind == "schedule":
        rate = value if isinstance(value, str) else settings.get("rate")
        if isinstance(rate, list):  # v3 allows several expressions: the first one
            rate = rate[0] if rate else None
        return _event(
            "Schedule", Schedule=rate, Enabled=settings.get("enabled"), Input=settings.get("input")
        )
    if kind == "s3":
        bucket = value if isinstance(value, str) else settings.get("bucket")
        return _event("S3", Bucket=bucket, Events=settings.get("event") or "s3:ObjectCreated:*")
    if kind == "stream":
        arn = value if isinstance(value, str) else settings.get("arn")
        is_kinesis = ":kinesis:" in str(arn) or settings.get("type") == "kinesis"
        return _event(
            "Kinesis" if is_kinesis else "DynamoDB",
            Stream=arn,
            BatchSize=settings.get("batchSize"),
            StartingPosition=settings.get("startingPosition") or "LATEST",
        )
    if kind == "sns":
        topic = (
            value if isinstance(value, str) else settings.get("arn") or settings.get("topicName")
        )
        return _event("SNS", Topic=topic)
    if kind == "eventBridge":
        if settings.get("schedule"):
            return _event("Schedule", Schedule=settings["schedule"])
        return _event(
            "EventBridgeRule",
            Pattern=settings.get("pattern"),
            EventBusName=settings.get("eventBus"),
        )
    return None


def _http(kind: str, value: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    event_type = "Api" if kind == "http" else "HttpApi"
    if isinstance(value, str):
        if value.strip() == "*":
            return {"Type": event_type, "Properties": {}}  # the catch-all route
        method, _, path = value.strip().partition(" ")
    else:
        method, path = str(settings.get("method", "any")), str(settings.get("path", "/"))
    path = "/" + path.strip().lstrip("/")
    method = method.strip().lower()
    return _event(event_type, Path=path, Method="any" if method == "*" else method)


def _event(event_type: str, **properties: Any) -> dict[str, Any]:
    kept = {name: value for name, value in properties.items() if value is not None}
    return {"Type": event_type, "Properties": kept}
