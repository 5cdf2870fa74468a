"""Kinesis and DynamoDB Streams mappings: the members only stream sources take, checked as Lambda
checks them, and the part of EventSourceMappingConfiguration they add."""

from __future__ import annotations

import re
from typing import Any

from lamina.emulator.errors import LambdaError, invalid
from lamina.emulator.params import boolean, integer

KINESIS, DYNAMODB = "kinesis", "dynamodb"
_STREAM_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:(?P<kind>kinesis|dynamodb):(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?:stream/[\w.-]+|table/[\w.-]+/stream/[\w.:-]+)$"
)
POSITIONS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
STREAM_DEFAULT_BATCH_SIZE = 100
STREAM_MEMBERS = frozenset(
    {
        "StartingPosition",
        "StartingPositionTimestamp",
        "BisectBatchOnFunctionError",
        "MaximumRetryAttempts",
        "MaximumRecordAgeInSeconds",
        "ParallelizationFactor",
        "DestinationConfig",
    }
)


def stream_kind(arn: str) -> str | None:
    """ "kinesis" or "dynamodb" for a stream ARN, else None."""
    match = _STREAM_ARN.match(arn)
    return match["kind"] if match is not None else None


def stream_region(arn: str) -> str:
    match = _STREAM_ARN.match(arn)
    assert match is not None, arn
    return match["region"]


def starting_position(body: dict[str, Any], arn: str = "") -> dict[str, Any]:
    """StartingPosition (required for streams, fixed once created). DynamoDB Streams have no
    AT_TIMESTAMP (AWS: "Unsupported starting position for arn type")."""
    position = body.get("StartingPosition")
    if position is None:
        raise invalid(  # AWS ends this one with a full stop (recorded)
            "1 validation error detected: Value null at 'startingPosition' failed to "
            "satisfy constraint: Member must not be null."
        )
    if position not in POSITIONS:
        raise invalid(f"Unsupported starting position: {position}")
    if position == "AT_TIMESTAMP" and stream_kind(arn) == DYNAMODB:
        raise invalid(f"Unsupported starting position for arn type: {arn}")
    out: dict[str, Any] = {"starting_position": position}
    if position == "AT_TIMESTAMP":
        stamp = body.get("StartingPositionTimestamp")
        if not isinstance(stamp, (int, float)) or isinstance(stamp, bool):
            raise invalid("StartingPositionTimestamp must be set for AT_TIMESTAMP")
        out["starting_timestamp"] = float(stamp)
    return out


def stream_settings(body: dict[str, Any]) -> dict[str, Any]:
    """The stream-only members a Create or Update body sets."""
    out: dict[str, Any] = {}
    if body.get("BisectBatchOnFunctionError") is not None:
        out["bisect"] = boolean(body, "BisectBatchOnFunctionError")
    retries = integer(body, "MaximumRetryAttempts", -1, 10000)
    if retries is not None:
        out["max_retries"] = retries
    age = integer(body, "MaximumRecordAgeInSeconds", -1, 604800)
    if age is not None:
        if 0 <= age < 60:
            raise invalid("MaximumRecordAgeInSeconds must be -1 or between 60 and 604800")
        out["max_record_age"] = age
    factor = integer(body, "ParallelizationFactor", 1, 10)
    if factor is not None:
        out["parallelization"] = factor
    config = body.get("DestinationConfig")
    if config is not None:
        if not isinstance(config, dict):
            raise LambdaError(
                "InvalidRequestContentException", "DestinationConfig must be an object"
            )
        on_failure = (config.get("OnFailure") or {}).get("Destination")
        if on_failure is not None and not re.match(
            r"^arn:aws[a-zA-Z-]*:(sqs|sns|s3):", str(on_failure)
        ):
            raise invalid(
                "lamina serve sends failed stream batches to SQS queues, SNS topics and S3 buckets "
                "only, "
                f"not {on_failure}"
            )
        out["on_failure"] = on_failure or None
    return out


def stream_shape(
    position: str | None,
    timestamp: float | None,
    bisect: bool,
    max_retries: int,
    max_record_age: int,
    parallelization: int,
    on_failure: str | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "StartingPosition": position,
        "StateTransitionReason": "User action",  # streams' words; queues say USER_INITIATED
        "TumblingWindowInSeconds": 0,
    }
    if timestamp is not None:
        body["StartingPositionTimestamp"] = timestamp
    body.update(
        {
            "ParallelizationFactor": parallelization,
            "DestinationConfig": {"OnFailure": {"Destination": on_failure} if on_failure else {}},
            "MaximumRecordAgeInSeconds": max_record_age,
            "BisectBatchOnFunctionError": bisect,
            "MaximumRetryAttempts": max_retries,
        }
    )
    return body
