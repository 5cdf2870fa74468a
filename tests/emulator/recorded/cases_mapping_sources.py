"""Rebuilt cases of LocalStack's SQS, Kinesis and DynamoDB Streams mapping files that invoke
nothing: filters, duplicates, defaults (their queues and streams are moto server's)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from emulator.harness import wait_until
from emulator.recorded.context import CaseContext, case
from emulator.recorded.sources import await_enabled, aws, parsed, queue

SQS = "TestSQSEventSourceMapping"
KINESIS = "TestKinesisSource"
DYNAMODB = "TestDynamoDBEventSourceMapping"
ACCOUNT = "123456789012"


def _mapping(response: dict[str, Any]) -> dict[str, Any]:
    """A mapping as LocalStack's snapshot holds it: LastModified as text (boto3 parses it),
    JSON strings parsed."""
    modified = response.get("LastModified")
    if isinstance(modified, datetime.datetime):
        response = {**response, "LastModified": modified.isoformat()}
    parsed_response: dict[str, Any] = parsed(response)  # FilterCriteria patterns as objects
    return parsed_response


def mapped(
    ctx: CaseContext, key: str | None = "create_event_source_mapping_response", **params: Any
) -> str:
    """CreateEventSourceMapping with `params` (deleted after the case), its answer matched as
    `key` (None: not matched), then once it is Enabled: its UUID."""
    created = ctx.lam.create_event_source_mapping(**params)
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=created["UUID"]))
    if key is not None:
        ctx.match(key, _mapping(created))
    await_enabled(ctx, created["UUID"])
    return str(created["UUID"])


def _queue(ctx: CaseContext) -> str:
    return queue(ctx)[1]


def kinesis_stream(ctx: CaseContext, name: str = "") -> str:
    """A new moto Kinesis stream (one shard, active): its ARN."""
    kinesis = aws(ctx, "kinesis")
    name = name or ctx.name("test-foobar")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    ctx.cleanups.append(lambda: kinesis.delete_stream(StreamName=name))
    kinesis.get_waiter("stream_exists").wait(StreamName=name)
    return str(
        kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    )


@case(f"{SQS}::test_duplicate_event_source_mappings")
def sqs_duplicate(ctx: CaseContext, _: str | None) -> None:
    name = ctx.name("lambda_func")
    ctx.create_function(name)
    queue = _queue(ctx)
    create = ctx.lam.create_event_source_mapping
    ctx.match("create", _mapping(create(FunctionName=name, EventSourceArn=queue)))
    ctx.match("error", ctx.error(create, FunctionName=name, EventSourceArn=queue))


@case(f"{KINESIS}::test_duplicate_event_source_mappings")
def kinesis_duplicate(ctx: CaseContext, _: str | None) -> None:
    name = ctx.name("lambda_func")
    ctx.create_function(name)
    stream = kinesis_stream(ctx)
    create = ctx.lam.create_event_source_mapping
    params = {"FunctionName": name, "EventSourceArn": stream, "StartingPosition": "LATEST"}
    ctx.match("create", _mapping(create(**params)))
    ctx.match("error", ctx.error(create, **params))


SQS_INVALID_FILTERS: dict[str, object] = {
    "None": None,
    "simple string": "simple string",
    "invalid_filter2": {"eventSource": "aws:sqs"},
    "invalid_filter3": {"eventSource": []},
}


@case(f"{SQS}::test_sqs_invalid_event_filter", SQS_INVALID_FILTERS)
def sqs_invalid_filter(ctx: CaseContext, param: str | None) -> None:
    name = ctx.name("lambda_func")
    ctx.create_function(name)
    invalid = SQS_INVALID_FILTERS[str(param)]
    pattern = invalid if isinstance(invalid, str) else json.dumps(invalid)
    ctx.match(
        "create_event_source_mapping_exception",
        ctx.error(
            ctx.lam.create_event_source_mapping,
            EventSourceArn=_queue(ctx),
            FunctionName=name,
            MaximumBatchingWindowInSeconds=1,
            FilterCriteria={"Filters": [{"Pattern": pattern}]},
        ),
    )


@case(
    f"{DYNAMODB}::test_dynamodb_invalid_event_filter",
    ["single-string", '[{"eventName": ["INSERT"=123}]'],
)
def dynamodb_invalid_filter(ctx: CaseContext, param: str | None) -> None:
    name = ctx.name("lambda_func")
    ctx.create_function(name)
    table = ctx.name("test-table")
    stream = f"arn:aws:dynamodb:{ctx.region}:{ACCOUNT}:table/{table}/stream/2025-01-01T00:00:00.000"
    ctx.match(
        "exception_event_source_creation",
        ctx.error(
            ctx.lam.create_event_source_mapping,
            FunctionName=name,
            BatchSize=1,
            StartingPosition="TRIM_HORIZON",
            EventSourceArn=stream,
            MaximumBatchingWindowInSeconds=1,
            MaximumRetryAttempts=1,
            FilterCriteria={"Filters": [{"Pattern": param}]},
        ),
    )


@case(f"{SQS}::test_event_source_mapping_default_batch_size")
def sqs_default_batch_size(ctx: CaseContext, _: str | None) -> None:
    name = ctx.name("lambda_func")
    ctx.create_function(name)
    queue = _queue(ctx)
    create = ctx.lam.create_event_source_mapping
    mapping = create(EventSourceArn=queue, FunctionName=name)
    ctx.match("create-event-source-mapping", _mapping(mapping))
    wait_until(lambda: ctx.lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled")
    ctx.match(
        "invalid-update-event-source-mapping",
        ctx.error(
            ctx.lam.update_event_source_mapping,
            UUID=mapping["UUID"],
            FunctionName=name,
            BatchSize=11,
        ),
    )
    ctx.match(
        "invalid-create-event-source-mapping",
        ctx.error(create, EventSourceArn=_queue(ctx), FunctionName=name, BatchSize=11),
    )
