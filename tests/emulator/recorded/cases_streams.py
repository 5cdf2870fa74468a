"""Rebuilt cases of LocalStack's Kinesis and DynamoDB Streams mapping files on the mappings
themselves (create, disable, duplicates, a missing stream, a deleted table, on-failure
destinations, TRIM_HORIZON), and the helpers the other stream case files share: a moto
DynamoDB table with a stream, the on-failure record's receive. Batch-item reports are in
cases_stream_batch_reports.py, filtering in cases_stream_filters.py."""

from __future__ import annotations

import json
from typing import Any

from emulator.recorded.cases_mapping_sources import _mapping, kinesis_stream, mapped
from emulator.recorded.context import CaseContext, case
from emulator.recorded.sources import (
    RECORDING_ECHO,
    aws,
    events,
    parsed,
    queue,
    recording_function,
)

KINESIS = "TestKinesisSource"
DYNAMODB = "TestDynamoDBEventSourceMapping"


def _put_hello(ctx: CaseContext, arn: str) -> None:
    aws(ctx, "kinesis").put_record(Data=b"hello", PartitionKey="test", StreamARN=arn)


def _failure_messages(ctx: CaseContext, url: str, timeout: float = 60) -> dict[str, Any]:
    """The first receive that brings the on-failure record (bodies parsed, as LocalStack's
    snapshot shows them)."""
    from emulator.harness import wait_until

    sqs = aws(ctx, "sqs")
    got: dict[str, Any] = {}

    def received() -> bool:
        nonlocal got
        got = sqs.receive_message(QueueUrl=url)
        return bool(got.get("Messages"))

    wait_until(received, timeout=timeout)
    result: dict[str, Any] = parsed(got)
    return result


ITEM = {"my_partition_key": {"S": "hello world"}, "binary_key": {"B": b"foobar"}}
DYNAMODB_ANSWER = "DynamoDB's own answer (moto server's here), not the emulator's"


def dynamodb_stream(
    ctx: CaseContext,
    key: str = "my_partition_key",
    answer: str = "create-table-result",
    view: str = "NEW_IMAGE",
) -> tuple[str, str]:
    """A new moto table with a NEW_IMAGE stream: (table name, stream ARN). DynamoDB's answer
    that the case recorded as `answer` is kept out of the comparison (LocalStack's own test
    skips its fields too: "dynamodb issues, not related to lambda"), as are the stream
    records' own fields that the emulator passes on unchanged (moto writes eventVersion 1.0
    and its own SizeBytes)."""
    dynamodb = aws(ctx, "dynamodb")
    table = ctx.name("test-table")
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ctx.cleanups.append(lambda: dynamodb.delete_table(TableName=table))
    ctx.not_compared[answer] = DYNAMODB_ANSWER
    ctx.source_values = (r".*\.Records\[\d+\]\.(eventVersion|dynamodb\.SizeBytes)",)
    dynamodb.get_waiter("table_exists").wait(TableName=table)
    stream = dynamodb.update_table(
        TableName=table,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )["TableDescription"]["LatestStreamArn"]
    return table, str(stream)


@case(f"{KINESIS}::test_esm_with_not_existing_kinesis_stream")
def esm_with_not_existing_kinesis_stream(ctx: CaseContext, _: str | None) -> None:
    name = ctx.name("lambda_func")
    ctx.create_function(name)
    # The stream name AWS printed (the recording keeps it as it was)
    arn = f"arn:aws:kinesis:{ctx.region}:123456789012:stream/test-foobar-81ded7e8"
    ctx.match(
        "error",
        ctx.error(
            ctx.lam.create_event_source_mapping,
            EventSourceArn=arn,
            FunctionName=name,
            StartingPosition="LATEST",
        ),
    )


@case(f"{DYNAMODB}::test_esm_with_not_existing_dynamodb_stream")
def esm_with_not_existing_dynamodb_stream(ctx: CaseContext, _: str | None) -> None:
    name = ctx.name("lambda_func")
    ctx.create_function(name)
    arn = (
        f"arn:aws:dynamodb:{ctx.region}:123456789012:table/test-table-4a53f4e8/stream/"
        "2025-02-22T03:03:25.490"
    )
    ctx.match(
        "error",
        ctx.error(
            ctx.lam.create_event_source_mapping,
            EventSourceArn=arn,
            FunctionName=name,
            StartingPosition="TRIM_HORIZON",
        ),
    )


def _echo_mapping(ctx: CaseContext, key: str, arn: str, **params: Any) -> tuple[str, Any, str]:
    """A recording echo function mapped to `arn`: (function name, its event folder, UUID);
    the create answer is matched as `key`."""
    name = ctx.name("lambda_func")
    out = recording_function(ctx, name)
    return name, out, mapped(ctx, key, FunctionName=name, EventSourceArn=arn, **params)


@case(f"{KINESIS}::test_create_kinesis_event_source_mapping")
def create_kinesis_mapping(ctx: CaseContext, _: str | None) -> None:
    arn = kinesis_stream(ctx)
    _, out, _ = _echo_mapping(
        ctx, "create_event_source_mapping_response", arn, StartingPosition="LATEST"
    )
    aws(ctx, "kinesis").put_records(
        Records=[{"Data": b"hello", "PartitionKey": f"test_{i}"} for i in range(10)],
        StreamARN=arn,
    )
    ctx.match("kinesis_records", events(out, 1)[0])


@case(
    f"{KINESIS}::test_create_kinesis_event_source_mapping_multiple_lambdas_single_kinesis_event_stream"
)
def kinesis_two_functions(ctx: CaseContext, _: str | None) -> None:
    arn = kinesis_stream(ctx)
    outs = {
        function_id: _echo_mapping(
            ctx,
            f"create_event_source_mapping_response-{function_id}",
            arn,
            StartingPosition="TRIM_HORIZON",
        )[1]
        for function_id in ("a", "b")
    }
    aws(ctx, "kinesis").put_records(
        Records=[{"Data": b"hello", "PartitionKey": "test_1"}], StreamARN=arn
    )
    for function_id, out in outs.items():
        ctx.match(f"kinesis_records-{function_id}", events(out, 1)[0])


@case(f"{KINESIS}::test_disable_kinesis_event_source_mapping")
def disable_kinesis_mapping(ctx: CaseContext, _: str | None) -> None:
    from emulator.harness import wait_until

    arn = kinesis_stream(ctx)
    _, out, uuid = _echo_mapping(
        ctx,
        "create_event_source_mapping_response",
        arn,
        StartingPosition="LATEST",
        BatchSize=10,
    )
    kinesis = aws(ctx, "kinesis")
    kinesis.put_records(
        Records=[
            {"Data": json.dumps({"record_id": i}).encode(), "PartitionKey": "test"}
            for i in range(10)
        ],
        StreamARN=arn,
    )
    ctx.match("invocation_events", events(out, 1))
    ctx.lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    wait_until(lambda: ctx.lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled")
    kinesis.put_records(
        Records=[
            {"Data": json.dumps({"record_id_disabled": i}).encode(), "PartitionKey": "test"}
            for i in range(10)
        ],
        StreamARN=arn,
    )
    assert len(events(out, 1, settle=2.0)) == 1, "a disabled mapping invoked the function"


@case(f"{DYNAMODB}::test_dynamodb_event_source_mapping")
def dynamodb_mapping(ctx: CaseContext, _: str | None) -> None:
    table, stream = dynamodb_stream(ctx)
    _, out, _ = _echo_mapping(
        ctx,
        "create_event_source_mapping_response",
        stream,
        BatchSize=1,
        StartingPosition="TRIM_HORIZON",
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=1,
    )
    aws(ctx, "dynamodb").put_item(TableName=table, Item=ITEM)
    ctx.match("event_logs", events(out, 1))


@case(f"{DYNAMODB}::test_duplicate_event_source_mappings")
def dynamodb_duplicate(ctx: CaseContext, _: str | None) -> None:
    _, stream = dynamodb_stream(ctx)
    name = ctx.name("lambda_func")
    ctx.create_function(name)
    params = {
        "FunctionName": name,
        "EventSourceArn": stream,
        "StartingPosition": "TRIM_HORIZON",
        "MaximumBatchingWindowInSeconds": 1,
        "MaximumRetryAttempts": 1,
    }
    created = ctx.lam.create_event_source_mapping(**params)
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=created["UUID"]))
    ctx.match("create", _mapping(created))
    ctx.match("error", ctx.error(ctx.lam.create_event_source_mapping, **params))


@case(f"{DYNAMODB}::test_disabled_dynamodb_event_source_mapping")
def dynamodb_disabled(ctx: CaseContext, _: str | None) -> None:
    table, stream = dynamodb_stream(ctx, "id", "dynamodb_create_table_result")
    _, out, uuid = _echo_mapping(
        ctx,
        "create_event_source_mapping_result",
        stream,
        StartingPosition="TRIM_HORIZON",
        MaximumBatchingWindowInSeconds=1,
    )
    dynamodb = aws(ctx, "dynamodb")
    dynamodb.put_item(TableName=table, Item={"id": {"S": "one"}, "data": {"S": "data1"}})
    events(out, 1)
    updated = ctx.lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    ctx.match("update_event_source_mapping_result", _mapping(updated))
    from emulator.harness import wait_until

    wait_until(lambda: ctx.lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled")
    dynamodb.put_item(TableName=table, Item={"id": {"S": "two"}, "data": {"S": "data2"}})
    assert len(events(out, 1, settle=2.0)) == 1, "a disabled mapping invoked the function"


@case(f"{DYNAMODB}::test_deletion_event_source_mapping_with_dynamodb")
def dynamodb_table_deleted(ctx: CaseContext, _: str | None) -> None:
    table, stream = dynamodb_stream(ctx, "id", "create_dynamodb_table_response")
    _echo_mapping(
        ctx, "create_event_source_mapping_result", stream, StartingPosition="TRIM_HORIZON"
    )
    aws(ctx, "dynamodb").delete_table(TableName=table)
    ctx.match(
        "list_event_source_mapping_result",
        parsed(ctx.lam.list_event_source_mappings(EventSourceArn=stream)),
    )


# As LocalStack's TEST_LAMBDA_PYTHON with its raise_error flag, and its unhandled-error handler.
RAISING = RECORDING_ECHO.replace(
    "    return event\n",
    "    raise Exception('Test exception (this is intentional)')\n",
)


def failing_mapping(ctx: CaseContext, arn: str, destination: str) -> str:
    """A raising function mapped to the stream `arn` with one retry and `destination` (a queue,
    topic or bucket ARN) on failure: the mapping's UUID; the create answer is matched."""
    name = ctx.name("lambda_func")
    recording_function(ctx, name, RAISING)
    return mapped(
        ctx,
        FunctionName=name,
        BatchSize=1,
        StartingPosition="TRIM_HORIZON",
        EventSourceArn=arn,
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": destination}},
    )


def _failing_mapping(ctx: CaseContext, arn: str) -> tuple[str, str]:
    """failing_mapping with an SQS on-failure queue: (queue URL, UUID)."""
    url, destination = queue(ctx)
    return url, failing_mapping(ctx, arn, destination)


@case(f"{KINESIS}::test_kinesis_event_source_mapping_with_on_failure_destination_config")
def kinesis_on_failure_destination(ctx: CaseContext, _: str | None) -> None:
    arn = kinesis_stream(ctx)
    url, _ = _failing_mapping(ctx, arn)
    message = {"input": "hello", "value": "world", "raise_error": 1}
    aws(ctx, "kinesis").put_record(
        StreamARN=arn, Data=json.dumps(message).encode(), PartitionKey="custom"
    )
    ctx.match("sqs_payload", _failure_messages(ctx, url))


@case(f"{DYNAMODB}::test_dynamodb_event_source_mapping_with_on_failure_destination_config")
def dynamodb_on_failure_destination(ctx: CaseContext, _: str | None) -> None:
    table, stream = dynamodb_stream(ctx, answer="create_table_response")
    ctx.not_compared["update_table_response"] = DYNAMODB_ANSWER
    url, _ = _failing_mapping(ctx, stream)
    aws(ctx, "dynamodb").put_item(TableName=table, Item={"my_partition_key": {"S": "hello world"}})
    ctx.match("destination_queue_messages", _failure_messages(ctx, url))


# As LocalStack's lambda_parallel.py: the event with when its execution started.
PARALLEL = RECORDING_ECHO.replace(
    "    print(json.dumps(event))\n",
    "    event = {'executionStart': time.time(), 'event': event}\n    print(json.dumps(event))\n",
)


@case(f"{KINESIS}::test_kinesis_event_source_trim_horizon")
def kinesis_trim_horizon(ctx: CaseContext, _: str | None) -> None:
    arn = kinesis_stream(ctx)
    kinesis = aws(ctx, "kinesis")

    def put(key: str) -> None:
        kinesis.put_records(
            Records=[
                {"Data": json.dumps({"record_id": j}).encode(), "PartitionKey": key}
                for j in range(10)
            ],
            StreamARN=arn,
        )

    for i in range(2):  # before the mapping: TRIM_HORIZON reads them
        put(f"test_{i}")
    name = ctx.name("lambda_func")
    out = recording_function(ctx, name, PARALLEL)
    created = ctx.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON", BatchSize=10
    )
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=created["UUID"]))
    ctx.match("create_event_source_mapping_response", _mapping(created))
    put("test_3")
    ctx.match("invocation_events", events(out, 3))
