"""`lamina events generate --function F` for a function that no API route calls: the event
source of its first template event that the generator knows (Schedule → scheduled, SQS → sqs,
...), with the queue, topic or stream named when the template gives its ARN as plain text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# SAM event Type -> (generator source, the key its ARN fills in, the property holding the ARN)
SOURCES: dict[str, tuple[str, str | None, str | None]] = {
    "SQS": ("sqs", "queue", "Queue"),
    "SNS": ("sns", "topic", "Topic"),
    "Kinesis": ("kinesis", "stream", "Stream"),
    "DynamoDB": ("dynamodb-stream", None, None),
    "S3": ("s3-put", None, None),
    "Schedule": ("scheduled", None, None),
    "ScheduleV2": ("scheduled", None, None),
    "EventBridgeRule": ("eventbridge", None, None),
    "CloudWatchEvent": ("eventbridge", None, None),
    "CloudWatchLogs": ("cloudwatch-logs", None, None),
}


def template_event_values(events: Mapping[str, Any]) -> tuple[str, dict[str, str]] | None:
    """(source, values) for the first of `events` (a spec's template_events) the generator
    knows, else None."""
    for event in events.values():
        kind = event.get("Type") if isinstance(event, Mapping) else None
        if kind not in SOURCES:
            continue
        source, key, arn_property = SOURCES[kind]
        properties = event.get("Properties")
        arn = properties.get(arn_property) if isinstance(properties, Mapping) else None
        values: dict[str, str] = {}
        if key and isinstance(arn, str) and arn.startswith("arn:") and "${" not in arn:
            values[key] = arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        return source, values
    return None


def event_types(events: Mapping[str, Any]) -> list[str]:
    return [str(e.get("Type")) for e in events.values() if isinstance(e, Mapping)]
