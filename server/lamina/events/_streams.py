"""Stream sources: Kinesis Data Streams, Firehose transformations, CloudWatch Logs subscriptions."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from datetime import datetime

from lamina.events._common import (
    DEFAULT_ACCOUNT,
    Event,
    Params,
    Spec,
    default_region,
    epoch_ms,
    hex_id,
    partition,
)

MAX_RECORDS = 10_000


def build_kinesis(p: Params, now: datetime) -> Event:
    region, account, stream = p["region"], p["account"], p["stream"]
    count = p.integer("count", minimum=1, maximum=MAX_RECORDS)
    data = base64.b64encode(p["data"].encode("utf-8")).decode("ascii")
    arrival_ms = epoch_ms(now)
    # Sequence numbers are 56 digits and grow within a shard.
    first_sequence = 49_000 * 10**51 + arrival_ms * 10**20
    records: list[object] = []
    for index in range(count):
        sequence = str(first_sequence + index)
        records.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": p["partition_key"],
                    "sequenceNumber": sequence,
                    "data": data,
                    "approximateArrivalTimestamp": arrival_ms / 1000,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": f"arn:{partition(region)}:iam::{account}:role/lambda-role",
                "awsRegion": region,
                "eventSourceARN": f"arn:{partition(region)}:kinesis:{region}:{account}:stream/{stream}",
            }
        )
    return {"Records": records}


def build_cloudwatch_logs(p: Params, now: datetime) -> Event:
    count = p.integer("count", minimum=1, maximum=MAX_RECORDS)
    log_stream = p["log_stream"] or (now.strftime("%Y/%m/%d/[$LATEST]") + hex_id(32))
    timestamp = epoch_ms(now)
    # Log event ids are 56 digits and grow with the event's time.
    first_id = timestamp * 10**43
    payload = {
        "messageType": "DATA_MESSAGE",
        "owner": p["account"],
        "logGroup": p["log_group"],
        "logStream": log_stream,
        "subscriptionFilters": [p["filter"]],
        "logEvents": [
            {"id": str(first_id + index), "timestamp": timestamp, "message": p["message"]}
            for index in range(count)
        ],
    }
    raw = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    data = base64.b64encode(gzip.compress(raw, mtime=0)).decode("ascii")
    return {"awslogs": {"data": data}}


def build_firehose(p: Params, now: datetime) -> Event:
    """A Firehose data-transformation invocation: records to transform and hand back."""
    region, account = p["region"], p["account"]
    count = p.integer("count", minimum=1, maximum=MAX_RECORDS)
    data = base64.b64encode(p["data"].encode("utf-8")).decode("ascii")
    arrival_ms = epoch_ms(now)
    first_record = 49_546 * 10**51 + arrival_ms * 10**20
    return {
        "invocationId": str(uuid.uuid4()),
        "deliveryStreamArn": (
            f"arn:{partition(region)}:firehose:{region}:{account}:deliverystream/{p['stream']}"
        ),
        "region": region,
        "records": [
            {
                "recordId": str(first_record + index),
                "approximateArrivalTimestamp": arrival_ms,
                "data": data,
            }
            for index in range(count)
        ],
    }


SPECS = (
    Spec(
        "kinesis",
        "Kinesis Data Streams records (data is plain text; it is base64-encoded for you)",
        {
            "stream": "my-stream",
            "data": "Hello from Kinesis!",
            "partition_key": "partition-1",
            "count": "1",
            "region": default_region,
            "account": DEFAULT_ACCOUNT,
        },
        build_kinesis,
        aliases=("kinesis-stream",),
    ),
    Spec(
        "cloudwatch-logs",
        "CloudWatch Logs subscription (awslogs.data is gzipped, base64-encoded JSON)",
        {
            "log_group": "/aws/lambda/my-function",
            "log_stream": "",
            "message": "Hello from CloudWatch Logs!",
            "count": "1",
            "filter": "my-subscription-filter",
            "account": DEFAULT_ACCOUNT,
        },
        build_cloudwatch_logs,
        aliases=("logs", "cloudwatch", "awslogs"),
    ),
    Spec(
        "firehose",
        "Kinesis Data Firehose data transformation (data is plain text; base64-encoded for you)",
        {
            "stream": "my-delivery-stream",
            "data": "Hello from Firehose!",
            "count": "1",
            "region": default_region,
            "account": DEFAULT_ACCOUNT,
        },
        build_firehose,
        aliases=("kinesis-firehose",),
    ),
)
