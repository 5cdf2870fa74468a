"""Record-processing invocations of the Kinesis family beyond plain streams: a Kinesis Data
Analytics (SQL) application's preprocessing function, and a Firehose transformation whose
source is a Kinesis data stream (each record then carries the stream's metadata)."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from lamina.events._common import (
    DEFAULT_ACCOUNT,
    Event,
    Params,
    Spec,
    default_region,
    epoch_ms,
    partition,
)
from lamina.events._streams import MAX_RECORDS, build_firehose


def _sequence(arrival_ms: int, index: int) -> str:
    return str(49_000 * 10**51 + arrival_ms * 10**20 + index)  # 56 digits, growing


def build_kinesis_analytics(p: Params, now: datetime) -> Event:
    """Records of the application's Kinesis stream source, to transform and hand back."""
    region, account = p["region"], p["account"]
    arn_partition = partition(region)
    count = p.integer("count", minimum=1, maximum=MAX_RECORDS)
    data = base64.b64encode(p["data"].encode("utf-8")).decode("ascii")
    arrival_ms = epoch_ms(now)
    return {
        "invocationId": str(uuid.uuid4()),
        "applicationArn": (
            f"arn:{arn_partition}:kinesisanalytics:{region}:{account}:application/"
            f"{p['application']}"
        ),
        "streamArn": f"arn:{arn_partition}:kinesis:{region}:{account}:stream/{p['stream']}",
        "records": [
            {
                "recordId": _sequence(arrival_ms, index),
                "kinesisStreamRecordMetadata": {
                    "shardId": "shardId-000000000000",
                    "partitionKey": p["partition_key"],
                    "approximateArrivalTimestamp": arrival_ms,
                    "sequenceNumber": _sequence(arrival_ms, index),
                },
                "data": data,
            }
            for index in range(count)
        ],
    }


def build_firehose_from_kinesis(p: Params, now: datetime) -> Event:
    event = build_firehose(p, now)
    arrival_ms = epoch_ms(now)
    event["sourceKinesisStreamArn"] = (
        f"arn:{partition(p['region'])}:kinesis:{p['region']}:{p['account']}:stream/"
        f"{p['source_stream']}"
    )
    records = event["records"]
    assert isinstance(records, list)
    for index, record in enumerate(records):
        record["kinesisRecordMetadata"] = {
            "sequenceNumber": _sequence(arrival_ms, index),
            "subsequenceNumber": 0,
            "partitionKey": p["partition_key"],
            "shardId": "shardId-000000000000",
            "approximateArrivalTimestamp": arrival_ms,
        }
    return event


SPECS = (
    Spec(
        "kinesis-analytics",
        "Kinesis Data Analytics preprocessing of a stream's records (data: plain text)",
        {
            "application": "my-application",
            "stream": "my-stream",
            "data": "Hello from Kinesis Analytics!",
            "partition_key": "partition-1",
            "count": "1",
            "region": default_region,
            "account": DEFAULT_ACCOUNT,
        },
        build_kinesis_analytics,
        aliases=("kinesisanalytics",),
    ),
    Spec(
        "firehose-kinesis",
        "Firehose transformation of records from a Kinesis data stream source",
        {
            "stream": "my-delivery-stream",
            "source_stream": "my-stream",
            "data": "Hello from Firehose!",
            "partition_key": "partition-1",
            "count": "1",
            "region": default_region,
            "account": DEFAULT_ACCOUNT,
        },
        build_firehose_from_kinesis,
        aliases=("firehose-from-kinesis",),
    ),
)
