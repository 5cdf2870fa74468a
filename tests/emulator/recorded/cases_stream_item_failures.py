"""Rebuilt report-batch-item-failures cases of LocalStack's Kinesis and DynamoDB Streams mapping
files: six records, the last of which the function reports failed every time. AWS retries it as
a batch of its own (MaximumRetryAttempts of them), then sends it to the on-failure queue. The
handlers are written here, after what LocalStack's do. And Kinesis's strict order: a second
batch waits for the first."""

from __future__ import annotations

import json
import time
from typing import Any

from emulator.recorded.cases_mapping_sources import _mapping, kinesis_stream
from emulator.recorded.cases_streams import (
    DYNAMODB,
    KINESIS,
    PARALLEL,
    _failure_messages,
    dynamodb_stream,
)
from emulator.recorded.context import CaseContext, case
from emulator.recorded.sources import RECORDING_ECHO, await_enabled, aws, events, queue

# The recording echo, answering with the records whose payload says should_fail.
KINESIS_ITEM_FAILURE = RECORDING_ECHO.replace(
    "    return event\n",
    "    import base64\n"
    "    failed = [r['kinesis']['sequenceNumber'] for r in event['Records']\n"
    "              if json.loads(base64.b64decode(r['kinesis']['data']))['should_fail']]\n"
    "    return {'batchItemFailures': [{'itemIdentifier': s} for s in failed]}\n",
)
DYNAMODB_ITEM_FAILURE = RECORDING_ECHO.replace(
    "    return event\n",
    "    failed = [r['dynamodb']['SequenceNumber'] for r in event['Records']\n"
    "              if r['dynamodb']['NewImage']['should_fail']['BOOL']]\n"
    "    return {'batchItemFailures': [{'itemIdentifier': s} for s in failed]}\n",
)
# Batches [0-2] and [3-5], then [5] alone: once, and three retries.
INVOCATIONS = 6


def _item_failure_mapping(ctx: CaseContext, source: str, arn: str) -> tuple[str, Any]:
    """The function (recording its events) and the mapping both cases make: (queue url, out)."""
    from emulator.recorded.sources import recording_function

    name = ctx.name("lambda_func")
    out = recording_function(ctx, name, source)
    url, destination = queue(ctx)
    created = ctx.lam.create_event_source_mapping(
        FunctionName=name,
        BatchSize=3,
        StartingPosition="TRIM_HORIZON",
        EventSourceArn=arn,
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=3,
        DestinationConfig={"OnFailure": {"Destination": destination}},
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=created["UUID"]))
    ctx.match("create_event_source_mapping_response", _mapping(created))
    await_enabled(ctx, created["UUID"])
    return url, out


def _flattened(out: Any, key: Any) -> dict[str, Any]:
    records = [record for event in events(out, INVOCATIONS) for record in event["Records"]]
    return {"Records": sorted(records, key=key)}


@case(f"{KINESIS}::test_kinesis_report_batch_item_failures")
def kinesis_report_batch_item_failures(ctx: CaseContext, _: str | None) -> None:
    arn = kinesis_stream(ctx, ctx.name("test-kinesis"))
    url, out = _item_failure_mapping(ctx, KINESIS_ITEM_FAILURE, arn)
    aws(ctx, "kinesis").put_records(
        StreamARN=arn,
        Records=[
            {"Data": json.dumps({"should_fail": i == 5}).encode(), "PartitionKey": f"test_{i}"}
            for i in range(6)
        ],
    )
    ctx.match("sqs_payload", _failure_messages(ctx, url))
    ctx.match("kinesis_records", _flattened(out, lambda record: record["kinesis"]["partitionKey"]))


@case(f"{DYNAMODB}::test_dynamodb_report_batch_item_failures")
def dynamodb_report_batch_item_failures(ctx: CaseContext, _: str | None) -> None:
    table, stream = dynamodb_stream(ctx, answer="create_table_response")
    ctx.not_compared["update_table_response"] = ctx.not_compared["create_table_response"]
    url, out = _item_failure_mapping(ctx, DYNAMODB_ITEM_FAILURE, stream)
    dynamodb = aws(ctx, "dynamodb")
    for i in range(6):
        item = {"my_partition_key": {"S": f"testId{i}"}, "should_fail": {"BOOL": i == 5}}
        dynamodb.put_item(TableName=table, Item=item)
        time.sleep(0.1)  # as LocalStack's test puts them
    ctx.match("destination_queue_messages", _failure_messages(ctx, url))
    ctx.match(
        "dynamodb_records",
        _flattened(out, lambda record: record["dynamodb"]["Keys"]["my_partition_key"]["S"]),
    )


# PARALLEL, sleeping a while (as LocalStack's lambda_parallel.py does), noting in $CASE_OUT
# when another invocation was running at the time.
SLOW_PARALLEL = PARALLEL.replace(
    "def handler(event, context):\n",
    "def handler(event, context):\n"
    "    running = os.path.join(os.environ['CASE_OUT'], 'running')\n"
    "    if os.path.exists(running):\n"
    "        open(os.path.join(os.environ['CASE_OUT'], 'overlap'), 'w').close()\n"
    "    open(running, 'w').close()\n",
).replace("    return event\n", "    time.sleep(1)\n    os.remove(running)\n    return event\n")


@case(f"{KINESIS}::test_kinesis_event_source_mapping_with_async_invocation")
def kinesis_async_invocation(ctx: CaseContext, _: str | None) -> None:
    from emulator.recorded.sources import recording_function

    arn = kinesis_stream(ctx)
    name = ctx.name("lambda_func")
    out = recording_function(ctx, name, SLOW_PARALLEL)
    created = ctx.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, StartingPosition="LATEST", BatchSize=10
    )
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=created["UUID"]))
    ctx.match("create_event_source_mapping_response", _mapping(created))
    await_enabled(ctx, created["UUID"])
    kinesis = aws(ctx, "kinesis")
    for i in range(2):
        kinesis.put_records(
            StreamARN=arn,
            Records=[
                {"Data": json.dumps({"record_id": j}).encode(), "PartitionKey": f"test_{i}"}
                for j in range(10)
            ],
        )
    got = events(out, 2)
    ctx.match("invocation_events", got)
    # Strict order per shard: the second batch started only after the first one ended.
    assert got[0]["event"]["Records"][0]["kinesis"]["partitionKey"] == "test_0"
    assert not (out / "overlap").exists()
