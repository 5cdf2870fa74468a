"""Rebuilt cases of LocalStack's Kinesis and DynamoDB Streams mapping files on what a function's
answer reports (ReportBatchItemFailures): answers that count as success, and ones that fail the
batch (its records then reach the on-failure destination)."""

from __future__ import annotations

from emulator.recorded.cases_mapping_sources import kinesis_stream, mapped
from emulator.recorded.cases_streams import (
    DYNAMODB,
    ITEM,
    KINESIS,
    _failure_messages,
    _put_hello,
    dynamodb_stream,
)
from emulator.recorded.context import CaseContext, case
from emulator.recorded.sources import (
    RECORDING_ECHO,
    aws,
    events,
    queue,
    recording_function,
)

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
