"""Rebuilt cases of LocalStack's Kinesis and DynamoDB Streams mapping files on event filtering
(FilterCriteria): which records reach the function."""

from __future__ import annotations

import json
from typing import Any

from emulator.recorded.cases_mapping_sources import kinesis_stream, mapped
from emulator.recorded.cases_streams import DYNAMODB, _echo_mapping, dynamodb_stream
from emulator.recorded.context import CaseContext, case
from emulator.recorded.sources import (
    aws,
    events,
    recording_function,
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
