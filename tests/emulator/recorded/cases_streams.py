"""Rebuilt cases of LocalStack's Kinesis and DynamoDB Streams mapping files that put records on
a stream (moto server's) and check what the function got and what reached the on-failure
destination."""

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

# What the handler answers (LocalStack's create_lambda_with_response puts the value after
# `return`; the last one raises).
SUCCESSES = {
    "empty_string_success": "",
    "empty_list_success": "[]",
    "null_success": "None",
    "empty_dict_success": "{}",
    "empty_batch_item_failure_success": "{'batchItemFailures': []}",
    "null_batch_item_failure_success": "{'batchItemFailures': None}",
}
FAILURES = {
    "item_identifier_not_present_failure": "{'batchItemFailures': [{'itemIdentifier': 123}]}",
    "empty_string_item_identifier_failure": "{'batchItemFailures': [{'itemIdentifier': ''}]}",
    "null_item_identifier_failure": "{'batchItemFailures': [{'itemIdentifier': None}]}",
    "invalid_key_foo_failure": "{'batchItemFailures': [{'foo': 123}]}",
    "invalid_key_foo_null_value_failure": "{'batchItemFailures': [{'foo': None}]}",
    "unhandled_exception_in_function": "(lambda: 1 / 0)()",
}


def answering(response: str) -> str:
    """The recording echo handler, returning `response` (Python source) instead of the event."""
    return RECORDING_ECHO.replace("    return event\n", f"    return {response}\n")


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


@case(f"{KINESIS}::test_kinesis_report_batch_item_success_scenarios", SUCCESSES)
def kinesis_success(ctx: CaseContext, param: str | None) -> None:
    name = ctx.name("lambda_func")
    out = recording_function(ctx, name, answering(SUCCESSES[str(param)]))
    arn = kinesis_stream(ctx)
    mapped(
        ctx,
        EventSourceArn=arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=1,
        MaximumBatchingWindowInSeconds=1,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumRetryAttempts=2,
    )
    _put_hello(ctx, arn)
    ctx.match("kinesis_events", events(out, 1))


@case(f"{KINESIS}::test_kinesis_report_batch_item_failure_scenarios", FAILURES)
def kinesis_failure(ctx: CaseContext, param: str | None) -> None:
    name = ctx.name("lambda_func")
    out = recording_function(ctx, name, answering(FAILURES[str(param)]))
    arn = kinesis_stream(ctx)
    url, destination = queue(ctx)
    mapped(
        ctx,
        EventSourceArn=arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=1,
        MaximumBatchingWindowInSeconds=1,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": destination}},
    )
    _put_hello(ctx, arn)
    ctx.match("sqs_payload", _failure_messages(ctx, url))
    ctx.match("kinesis_events", events(out, 3))


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


DYNAMODB_SUCCESSES = {
    key: value for key, value in SUCCESSES.items() if key != "empty_string_success"
}


@case(f"{DYNAMODB}::test_dynamodb_report_batch_item_success_scenarios", DYNAMODB_SUCCESSES)
def dynamodb_success(ctx: CaseContext, param: str | None) -> None:
    name = ctx.name("lambda_func")
    out = recording_function(ctx, name, answering(SUCCESSES[str(param)]))
    table, stream = dynamodb_stream(ctx)
    mapped(
        ctx,
        key=None,
        EventSourceArn=stream,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=1,
        MaximumBatchingWindowInSeconds=0,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumRetryAttempts=2,
    )
    aws(ctx, "dynamodb").put_item(TableName=table, Item=ITEM)
    ctx.match("dynamodb_events", events(out, 1))


@case(f"{DYNAMODB}::test_dynamodb_report_batch_item_failure_scenarios", FAILURES)
def dynamodb_failure(ctx: CaseContext, param: str | None) -> None:
    name = ctx.name("lambda_func")
    out = recording_function(ctx, name, answering(FAILURES[str(param)]))
    table, stream = dynamodb_stream(ctx)
    url, destination = queue(ctx)
    mapped(
        ctx,
        key=None,
        FunctionName=name,
        BatchSize=3,
        StartingPosition="TRIM_HORIZON",
        EventSourceArn=stream,
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=3,
        DestinationConfig={"OnFailure": {"Destination": destination}},
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    aws(ctx, "dynamodb").put_item(TableName=table, Item=ITEM)
    ctx.match("destination_queue_messages", _failure_messages(ctx, url))
    ctx.match("dynamodb_events", events(out, 4))


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


# Parameter id -> (first item, second item, filter, invocations): LocalStack's parameters.
DYNAMODB_FILTERS: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any], int]] = {
    "insert_same_entry_twice": (
        {"id": {"S": "id_value"}, "id2": {"S": "id2_value"}},
        {"id": {"S": "id_value"}, "id2": {"S": "id2_value"}},
        {"eventName": ["INSERT"]},
        1,
    ),
    "content_or_filter": (
        {"id": {"S": "id_value"}},
        {"id": {"S": "id_value"}, "id2": {"S": "id2_new_value"}},
        {"eventName": ["INSERT", "MODIFY"]},
        2,
    ),
    "content_multiple_filters": (
        {"id": {"S": "id_value"}},
        {"id": {"S": "id_value"}, "id2": {"S": "id2_new_value"}},
        {"eventName": ["INSERT"], "eventSource": ["aws:dynamodb"]},
        1,
    ),
    "content_filter_type": (
        {"id": {"S": "id_value_1"}, "presentKey": {"S": "presentValue"}},
        {"id": {"S": "id_value_2"}},
        {"dynamodb": {"NewImage": {"presentKey": {"S": ["presentValue"]}}}},
        1,
    ),
    "exists_filter_type": (
        {"id": {"S": "id_value_1"}, "presentKey": {"S": "presentValue"}},
        {"id": {"S": "id_value_2"}},
        {"dynamodb": {"NewImage": {"presentKey": {"S": [{"exists": True}]}}}},
        1,
    ),
    "exists_false_filter": (
        {"id": {"S": "id_value_1"}},
        {"id": {"S": "id_value_2"}, "presentKey": {"S": "presentValue"}},
        {"dynamodb": {"NewImage": {"presentKey": [{"exists": False}]}}},
        2,
    ),
    "numeric_filter": (
        {"id": {"S": "id_value_1"}, "numericFilter": {"N": "42"}},
        {"id": {"S": "id_value_2"}, "numericFilter": {"N": "101"}},
        {
            "dynamodb": {
                "NewImage": {
                    "numericFilter": {"N": [{"numeric": [">", 100]}, {"anything-but": "101"}]}
                }
            }
        },
        1,
    ),
    "prefix_filter": (
        {"id": {"S": "id_value_1"}, "prefix": {"S": "us-1-other-suffix"}},
        {"id": {"S": "id_value_1"}, "prefix": {"S": "other-suffix"}},
        {"dynamodb": {"NewImage": {"prefix": {"S": [{"prefix": "us-1"}]}}}},
        1,
    ),
    "date_time_conversion": (
        {"id": {"S": "id_value_1"}},
        {"id": {"S": "id_value_2"}},
        {"dynamodb": {"ApproximateCreationDateTime": [{"numeric": [">", 0]}]}},
        2,
    ),
}


@case(f"{DYNAMODB}::test_dynamodb_event_filter", DYNAMODB_FILTERS)
def dynamodb_event_filter(ctx: CaseContext, param: str | None) -> None:
    first, second, pattern, calls = DYNAMODB_FILTERS[str(param)]
    name = ctx.name("lambda_func")
    out = recording_function(ctx, name)
    table, stream = dynamodb_stream(ctx, "id", "table_creation_response", "NEW_AND_OLD_IMAGES")
    mapped(
        ctx,
        FunctionName=name,
        BatchSize=1,
        StartingPosition="TRIM_HORIZON",
        EventSourceArn=stream,
        MaximumBatchingWindowInSeconds=1,
        MaximumRetryAttempts=1,
        FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]},
    )
    dynamodb = aws(ctx, "dynamodb")
    dynamodb.put_item(TableName=table, Item=first)
    ctx.match("lambda-log-events", events(out, 1))
    dynamodb.put_item(TableName=table, Item=second)
    got = events(out, calls, settle=1.0)
    assert len(got) == calls, got
    ctx.match("lambda-multiple-log-events", got)


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


@case("TestKinesisEventFiltering::test_kinesis_event_filtering_json_pattern")
def kinesis_filtering_json_pattern(ctx: CaseContext, _: str | None) -> None:
    import base64

    arn = kinesis_stream(ctx)
    outs = []
    keys = ("create_event_source_mapping_response", "create_event_source_mapping_2_response")
    for index, key in enumerate(keys, start=1):
        _, out, _ = _echo_mapping(
            ctx,
            key,
            arn,
            BatchSize=1,
            StartingPosition="TRIM_HORIZON",
            MaximumBatchingWindowInSeconds=1,
            MaximumRetryAttempts=1,
            FilterCriteria={
                "Filters": [
                    {"Pattern": json.dumps({"data": {"event_type": [f"function_{index}"]}})}
                ]
            },
        )
        outs.append(out)
    kinesis = aws(ctx, "kinesis")
    for index, message in ((1, "foo"), (2, "bar")):
        data = json.dumps({"event_type": f"function_{index}", "message": message}).encode()
        kinesis.put_record(StreamARN=arn, Data=data, PartitionKey="custom")
    got = [events(out, 1, settle=1.0) for out in outs]
    assert [len(g) for g in got] == [1, 1], got  # each function once, its own record only
    decoded = [
        json.loads(base64.b64decode(record["kinesis"]["data"])) for record in got[0][0]["Records"]
    ]
    # As LocalStack's kinesis_log.py reports what the first function got.
    ctx.match("kinesis-record-lambda-payload", json.dumps(decoded))
