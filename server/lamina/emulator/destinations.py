"""Destinations of asynchronous invocations (OnSuccess, OnFailure): AWS's invocation record, and
where it goes.

A function destination gets the record as an asynchronous invocation of its own, so it joins the
queue in the same transaction that retires the original event. An SQS destination is also queued
(its "function name" is the queue's ARN) and sent with SendMessage when its turn comes, so a
crash between the two loses nothing either.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from lamina.emulator.errors import invalid
from lamina.emulator.event_invoke import AsyncEvent
from lamina.emulator.names import Arns
from lamina.runtime.invocation import InvocationResult

_FUNCTION_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:"
    r"(?P<name>[a-zA-Z0-9_-]{1,64})(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]{1,128}))?$"
)
_SQS_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:sqs:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(?P<name>[\w-]{1,80}(\.fifo)?)$"
)
_ANY_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:(sns|events|s3):")

SUCCESS = "Success"
RETRIES_EXHAUSTED = "RetriesExhausted"
EVENT_AGE_EXCEEDED = "EventAgeExceeded"


def check_destination(arn: object, member: str) -> str:
    """A destination ARN Lamina can deliver to: a function, or an SQS queue."""
    if not isinstance(arn, str) or not arn:
        raise invalid(f"{member}.Destination must be an ARN")
    if _FUNCTION_ARN.match(arn) or _SQS_ARN.match(arn):
        return arn
    if _ANY_ARN.match(arn):
        raise invalid(
            f"lamina serve delivers destinations to Lambda functions and SQS queues only, not {arn}"
        )
    raise invalid(f"The destination ARN {arn} is invalid.")


def is_queue_destination(name: str) -> bool:
    """A queued delivery to SQS (its function name is the queue's ARN)."""
    return name.startswith("arn:") and ":sqs:" in name


def sqs_queue(arn: str) -> tuple[str, str, str]:
    """(region, account, queue name) of an SQS ARN."""
    match = _SQS_ARN.match(arn)
    if match is None:
        raise ValueError(f"not an SQS queue ARN: {arn}")
    return match["region"], match["account"], match["name"]


def delivery(destination: str, record: dict[str, Any]) -> AsyncEvent:
    """The queued event that takes `record` to `destination`."""
    payload = json.dumps(record, separators=(",", ":")).encode()
    match = _FUNCTION_ARN.match(destination)
    if match is not None:
        return AsyncEvent(match["name"], match["qualifier"], payload)
    return AsyncEvent(destination, None, payload)


def invocation_record(
    arns: Arns,
    *,
    function_name: str,
    version: str,
    request_id: str,
    condition: str,
    invoke_count: int,
    payload: bytes,
    result: InvocationResult | None,
) -> dict[str, Any]:
    """The record AWS sends to a destination (version 1.0)."""
    now = datetime.now(timezone.utc)
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "requestContext": {
            "requestId": request_id,
            "functionArn": arns.function(function_name, version),
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": _json_or_text(payload),
    }
    if result is not None:
        context: dict[str, Any] = {
            "statusCode": 200,
            "executedVersion": result.executed_version,
        }
        if not result.ok:
            context["functionError"] = "Unhandled"
        record["responseContext"] = context
        record["responsePayload"] = _json_or_text(result.payload)
    return record


def _json_or_text(data: bytes) -> Any:
    text = data.decode("utf-8", "replace")
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def dead_letter(
    target_arn: object, payload: bytes, request_id: str, result: InvocationResult | None
) -> AsyncEvent | None:
    """The queued delivery of a discarded event to the function's DeadLetterConfig queue: the
    event itself as the body, with AWS's RequestID, ErrorCode and ErrorMessage attributes
    (recorded). They travel in the delivery's client_context (unused by a queue delivery), so
    the journal keeps them across a crash. None when the target isn't an SQS queue (Lamina
    doesn't deliver to SNS)."""
    if not isinstance(target_arn, str) or not _SQS_ARN.match(target_arn):
        return None
    attributes: dict[str, dict[str, str]] = {
        "RequestID": {"DataType": "String", "StringValue": request_id}
    }
    if result is not None and not result.ok:
        message = (result.error or {}).get("errorMessage")
        attributes["ErrorCode"] = {"DataType": "Number", "StringValue": "200"}
        if message:
            attributes["ErrorMessage"] = {"DataType": "String", "StringValue": str(message)}
    return AsyncEvent(target_arn, None, payload, client_context=json.dumps(attributes))


def queue_attributes(client_context: str | None) -> dict[str, Any] | None:
    """The message attributes a queue delivery carries (see dead_letter)."""
    if not client_context:
        return None
    try:
        attributes = json.loads(client_context)
    except ValueError:
        return None
    return attributes if isinstance(attributes, dict) else None
