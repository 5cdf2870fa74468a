"""Rebuilt cases of LocalStack's stream mapping tests with an SNS or S3 on-failure destination:
the failed batch's record is published to the topic (moto server's), which delivers it to a
subscribed queue the test reads, or written to the bucket with the batch's event."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from emulator.harness import wait_until
from emulator.recorded.cases_mapping_sources import kinesis_stream
from emulator.recorded.cases_streams import (
    DYNAMODB,
    DYNAMODB_ANSWER,
    KINESIS,
    dynamodb_stream,
    failing_mapping,
)
from emulator.recorded.context import CaseContext, case
from emulator.recorded.sources import (
    aws,
    parsed,
    queue,
)

# SNS's own envelope (moto server's here), passed on by SNS, not the emulator.
SNS_ENVELOPE = (
    r"\$\.failure_sns_message\.(Signature|SignatureVersion|SigningCertURL|UnsubscribeURL|Timestamp)",
)


def _topic_to_queue(ctx: CaseContext) -> tuple[str, str]:
    """(queue URL, topic ARN): a topic whose messages reach the queue."""
    sns = aws(ctx, "sns")
    url, queue_arn = queue(ctx)
    topic = sns.create_topic(Name=ctx.name("topic"))["TopicArn"]
    ctx.cleanups.append(lambda: sns.delete_topic(TopicArn=topic))
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "false"},
    )
    return url, topic


def _sns_on_failure(ctx: CaseContext, arn: str, put: Callable[[], Any]) -> None:
    """A raising function mapped to the stream `arn` with an SNS on-failure topic; `put` writes
    the record that fails; the record that reaches the topic's queue is matched."""
    url, topic = _topic_to_queue(ctx)
    failing_mapping(ctx, arn, topic)
    put()
    sqs = aws(ctx, "sqs")
    got: dict[str, Any] = {}

    def received() -> bool:
        nonlocal got
        got = sqs.receive_message(QueueUrl=url)
        return bool(got.get("Messages"))

    wait_until(received, timeout=60)
    ctx.source_values = (*ctx.source_values, *SNS_ENVELOPE)
    ctx.match("failure_sns_message", parsed(json.loads(got["Messages"][0]["Body"])))


@case(f"{KINESIS}::test_kinesis_event_source_mapping_with_sns_on_failure_destination_config")
def kinesis_sns_on_failure(ctx: CaseContext, _: str | None) -> None:
    arn = kinesis_stream(ctx)
    message = {"input": "hello", "value": "world", "raise_error": 1}
    _sns_on_failure(
        ctx,
        arn,
        lambda: aws(ctx, "kinesis").put_record(
            StreamARN=arn, Data=json.dumps(message).encode(), PartitionKey="custom"
        ),
    )


@case(f"{DYNAMODB}::test_dynamodb_event_source_mapping_with_sns_on_failure_destination_config")
def dynamodb_sns_on_failure(ctx: CaseContext, _: str | None) -> None:
    table, stream = dynamodb_stream(ctx, answer="create_table_response")
    ctx.not_compared["update_table_response"] = DYNAMODB_ANSWER
    item = {"my_partition_key": {"S": "hello world"}}
    _sns_on_failure(ctx, stream, lambda: aws(ctx, "dynamodb").put_item(TableName=table, Item=item))


def _s3_on_failure(ctx: CaseContext, arn: str, info_key: str, put: Callable[[], Any]) -> None:
    """As _sns_on_failure, with a bucket: the one object written is matched, and its key
    checked as LocalStack checks it."""
    s3 = aws(ctx, "s3")
    bucket = ctx.name("test-bucket")
    s3.create_bucket(Bucket=bucket)

    def empty_bucket() -> None:
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=bucket)

    ctx.cleanups.append(empty_bucket)
    uuid = failing_mapping(ctx, arn, f"arn:aws:s3:::{bucket}")
    put()
    wait_until(lambda: bool(s3.list_objects_v2(Bucket=bucket).get("Contents")), timeout=60)
    objects = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert len(objects) == 1
    key = objects[0]["Key"]
    body = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    ctx.match("record_body", body)
    when = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
    shard = body[info_key]["shardId"]
    folder = f"aws/lambda/{uuid}/{shard}/{when:%Y/%m/%d}/{when:%Y-%m-%dT%H.%M.%S}"
    assert key.startswith(folder), key


@case(f"{KINESIS}::test_kinesis_event_source_mapping_with_s3_on_failure_destination")
def kinesis_s3_on_failure(ctx: CaseContext, _: str | None) -> None:
    arn = kinesis_stream(ctx)
    message = {"input": "hello", "value": "world", "raise_error": 1}
    _s3_on_failure(
        ctx,
        arn,
        "KinesisBatchInfo",
        lambda: aws(ctx, "kinesis").put_record(
            StreamARN=arn, Data=json.dumps(message).encode(), PartitionKey="custom"
        ),
    )


@case(f"{DYNAMODB}::test_dynamodb_event_source_mapping_with_s3_on_failure_destination")
def dynamodb_s3_on_failure(ctx: CaseContext, _: str | None) -> None:
    table, stream = dynamodb_stream(ctx, answer="create_table_response")
    ctx.not_compared["update_table_response"] = DYNAMODB_ANSWER
    item = {"my_partition_key": {"S": "hello world"}}
    _s3_on_failure(
        ctx,
        stream,
        "DDBStreamBatchInfo",
        lambda: aws(ctx, "dynamodb").put_item(TableName=table, Item=item),
    )
