"""ReportBatchItemFailures: which records of a batch the function's answer names as failed.
Shared by the SQS and stream pollers (SQS names message ids; streams sequence numbers)."""

from __future__ import annotations

import json

from lamina.runtime.invocation import InvocationResult


def failed_items(result: InvocationResult, message_ids: set[str]) -> set[str]:
    """The message ids a ReportBatchItemFailures answer names; all of them if the answer is
    invalid (not JSON, a missing or unknown itemIdentifier)."""
    try:
        body = json.loads(result.payload) if result.payload.strip() else None
    except ValueError:
        return set(message_ids)
    if not body:  # null, [], {}, "": success (AWS's recorded Kinesis/DynamoDB cases)
        return set()
    if not isinstance(body, dict):
        return set(message_ids)
    failures = body.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        return set(message_ids)
    failed: set[str] = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in message_ids:
            return set(message_ids)
        failed.add(identifier)
    return failed
