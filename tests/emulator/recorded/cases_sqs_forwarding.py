"""Rebuilt cases of LocalStack's SQS mapping file whose function forwards what it got through
another (moto) queue: report-batch-item-failures, message attributes, batch sizes, reserved
concurrency, and a FIFO queue's one-at-a-time order. The handlers are written here, after what
LocalStack's do (they send the event, or its records, and their result to a queue)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from emulator.harness import wait_until
from emulator.recorded.cases_mapping_sources import _mapping
from emulator.recorded.cases_sqs import SQS_INTEGRATION, _receive
from emulator.recorded.context import CaseContext, case, code_zip
from emulator.recorded.sources import aws, parsed, queue, recording_function

SQS = "TestSQSEventSourceMapping"

# After LocalStack's lambda_sqs_batch_item_failure.py: a record fails while its receive count is
# at most its body's fail_attempts; the event and the result go to $DESTINATION_QUEUE_URL;
# $OVERWRITE_RESULT (JSON if it parses) replaces the result.
BATCH_ITEM_FAILURE = """
import json, os

import boto3


def handler(event, context):
    failed = [
        record["messageId"]
        for record in event["Records"]
        if json.loads(record["body"])["fail_attempts"]
        >= int(record["attributes"]["ApproximateReceiveCount"])
    ]
    result = {"batchItemFailures": [{"itemIdentifier": ident} for ident in failed]}
    if "OVERWRITE_RESULT" in os.environ:
        result = os.environ["OVERWRITE_RESULT"]
        try:
            result = json.loads(result)
        except ValueError:
            pass
    sqs = boto3.client("sqs", endpoint_url=os.environ.get("AWS_ENDPOINT_URL_SQS"))
    body = json.dumps({"event": event, "result": result})
    sqs.send_message(QueueUrl=os.environ["DESTINATION_QUEUE_URL"], MessageBody=body)
    return result
"""

# As LocalStack's event-source-mapping "send message" handler: the records, to $SQS_QUEUE_URL.
SEND_RECORDS = """
import json, os

import boto3


def handler(event, context):
    sqs = boto3.client("sqs", endpoint_url=os.environ.get("AWS_ENDPOINT_URL_SQS"))
    sqs.send_message(QueueUrl=os.environ["SQS_QUEUE_URL"], MessageBody=json.dumps(event["Records"]))
"""

# Sleeps $TEST_SLEEP_S; notes in $CASE_OUT when another invocation was running at the time.
SLEEP_WATCHING = """
import json, os, time


def handler(event, context):
    out = os.environ["CASE_OUT"]
    running = os.path.join(out, "running")
    if os.path.exists(running):
        open(os.path.join(out, "overlap"), "w").close()
    open(running, "w").close()
    time.sleep(float(os.environ["TEST_SLEEP_S"]))
    os.remove(running)
    with open(os.path.join(out, f"{time.time_ns()}.json"), "w") as f:
        json.dump(event, f)
"""


def _failing_source(ctx: CaseContext, timeout: int, retries: int, fifo: bool = False) -> str:
    """A source queue with a dead-letter queue after `retries` receives: (url, arn, dlq url)."""
    suffix = ".fifo" if fifo else ""
    extra = {"FifoQueue": "true"} if fifo else {}
    dlq, dlq_arn = queue(ctx, ctx.name("event-dlq") + suffix, **extra)
    source, arn = queue(
        ctx,
        ctx.name("source-queue") + suffix,
        **extra,
        VisibilityTimeout=str(timeout),
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": retries}),
    )
    ctx.dlq = dlq  # type: ignore[attr-defined]
    ctx.source = source  # type: ignore[attr-defined]
    return arn


def _destination(ctx: CaseContext) -> str:
    name = ctx.name("destination-queue")
    url, _ = queue(ctx, name)
    ctx.match("get_destination_queue_url", aws(ctx, "sqs").get_queue_url(QueueName=name))
    return url


def _map(ctx: CaseContext, capture: str = "", **params: Any) -> str:
    created = ctx.lam.create_event_source_mapping(**params)
    uuid = created["UUID"]
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=uuid))
    if capture:
        ctx.match(capture, _mapping(created))
    wait_until(lambda: ctx.lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled")
    return str(uuid)


def _by_message(received: dict[str, Any]) -> dict[str, Any]:
    """LocalStack's "hack to make snapshot work": the (parsed) body's records in message order."""
    records = received["Messages"][0]["Body"]["event"]["Records"]
    for record in records:  # AWS's recording of this case has each body parsed too
        record["body"] = json.loads(record["body"])
    records.sort(key=lambda record: record["body"]["message"])
    return received


def _sent(response: dict[str, Any]) -> dict[str, Any]:
    """A SendMessageBatch answer as AWS's SQS gives it: moto adds an empty `Failed` list."""
    if not response.get("Failed"):
        response.pop("Failed", None)
    return response


def _queue_size(ctx: CaseContext, url: str) -> int:
    attributes = aws(ctx, "sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def _no_message(ctx: CaseContext, url: str, wait: int) -> None:
    got = aws(ctx, "sqs").receive_message(QueueUrl=url, WaitTimeSeconds=wait)
    assert not got.get("Messages"), got


@case("test_message_body_and_attributes_passed_correctly")
def message_body_and_attributes(ctx: CaseContext, _: str | None) -> None:
    destination = _destination(ctx)
    name = ctx.name("lambda")
    ctx.create_function(name, Code={"ZipFile": code_zip(SQS_INTEGRATION)}, Timeout=5)
    arn = _failing_source(ctx, 5, 2)
    _map(ctx, EventSourceArn=arn, FunctionName=name, BatchSize=1)
    aws(ctx, "sqs").send_message(
        QueueUrl=ctx.source,  # type: ignore[attr-defined]
        MessageBody=json.dumps({"destination": destination, "fail_attempts": 0}),
        MessageAttributes={
            "Title": {"DataType": "String", "StringValue": "The Whistler"},
            "Author": {"DataType": "String", "StringValue": "John Grisham"},
            "WeeksOn": {"DataType": "Number", "StringValue": "6"},
        },
    )
    ctx.match("first_attempt", _receive(ctx, destination))


@case("test_report_batch_item_failures")
def report_batch_item_failures(ctx: CaseContext, _: str | None) -> None:
    sqs = aws(ctx, "sqs")
    destination = _destination(ctx)
    timeout, retries = 8, 2
    name = ctx.name("failing-lambda")
    ctx.create_function(
        name,
        Code={"ZipFile": code_zip(BATCH_ITEM_FAILURE)},
        Timeout=timeout,
        Environment={"Variables": {"DESTINATION_QUEUE_URL": destination}},
    )
    arn = _failing_source(ctx, timeout, retries, fifo=True)
    source, dlq = ctx.source, ctx.dlq  # type: ignore[attr-defined]
    entries = [
        {
            "Id": f"message-{n}",
            "MessageBody": json.dumps({"message": n, "fail_attempts": fails}),
            "MessageGroupId": "1",
            "MessageDeduplicationId": f"dedup-{n}",
        }
        for n, fails in ((1, 0), (2, 1), (3, 1), (4, retries))
    ]
    sent = sqs.send_message_batch(QueueUrl=source, Entries=entries)
    sent["Successful"].sort(key=lambda entry: entry["Id"])
    ctx.match("send_message_batch", _sent(sent))
    wait_until(lambda: _queue_size(ctx, source) == 4)
    _map(
        ctx,
        "create_event_source_mapping",
        EventSourceArn=arn,
        FunctionName=name,
        BatchSize=10,
        MaximumBatchingWindowInSeconds=0,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    ctx.match("first_invocation", _by_message(_receive(ctx, destination, timeout // 2)))
    _no_message(ctx, dlq, 0)
    ctx.match("second_invocation", _by_message(_receive(ctx, destination, timeout + 2)))
    _no_message(ctx, destination, 1)
    ctx.match("dlq_response", _receive(ctx, dlq))


@case("test_report_batch_item_failures_on_lambda_error")
def report_batch_item_failures_on_lambda_error(ctx: CaseContext, _: str | None) -> None:
    sqs = aws(ctx, "sqs")
    timeout, retries = 2, 2
    name = ctx.name("failing-lambda")
    ctx.create_function(name, Code={"ZipFile": code_zip(SQS_INTEGRATION)}, Timeout=timeout)
    arn = _failing_source(ctx, timeout, retries)
    source, dlq = ctx.source, ctx.dlq  # type: ignore[attr-defined]
    sqs.send_message_batch(
        QueueUrl=source,
        Entries=[
            {"Id": "message-1", "MessageBody": "{not a json body"},
            {"Id": "message-2", "MessageBody": json.dumps({"message": 2, "fail_attempts": 0})},
        ],
    )
    wait_until(lambda: _queue_size(ctx, source) == 2)
    _map(
        ctx,
        EventSourceArn=arn,
        FunctionName=name,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    messages: list[dict[str, Any]] = []

    def collected() -> bool:
        messages.extend(sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages", []))
        return len(messages) >= 2

    wait_until(collected, 60)
    messages.sort(key=lambda message: message["MD5OfBody"])
    ctx.match("dlq_messages", parsed(messages))


def _one_result(ctx: CaseContext, overwrite: str, retries: int) -> tuple[str, str, str]:
    """The single-message cases: a function returning `overwrite`; (destination, source, dlq)."""
    destination = _destination(ctx)
    timeout = 4
    name = ctx.name("failing-lambda")
    ctx.create_function(
        name,
        Code={"ZipFile": code_zip(BATCH_ITEM_FAILURE)},
        Timeout=timeout,
        Environment={
            "Variables": {"DESTINATION_QUEUE_URL": destination, "OVERWRITE_RESULT": overwrite}
        },
    )
    arn = _failing_source(ctx, timeout, retries)
    _map(
        ctx,
        EventSourceArn=arn,
        FunctionName=name,
        BatchSize=10,
        MaximumBatchingWindowInSeconds=0,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    source = ctx.source  # type: ignore[attr-defined]
    aws(ctx, "sqs").send_message(
        QueueUrl=source, MessageBody=json.dumps({"message": 1, "fail_attempts": 0})
    )
    return destination, source, ctx.dlq  # type: ignore[attr-defined]


@case("test_report_batch_item_failures_invalid_result_json_batch_fails")
def report_batch_item_failures_invalid_result(ctx: CaseContext, _: str | None) -> None:
    destination, _source, dlq = _one_result(ctx, '{"batchItemFailures": [{"foo":"notvalid"}]}', 2)
    ctx.match("first_invocation", _receive(ctx, destination))
    ctx.match("second_invocation", _receive(ctx, destination))
    ctx.match("dlq_response", _receive(ctx, dlq))


@case("test_report_batch_item_failures_empty_json_batch_succeeds")
def report_batch_item_failures_empty_json(ctx: CaseContext, _: str | None) -> None:
    destination, source, dlq = _one_result(ctx, "{}", 1)
    ctx.match("first_invocation", _receive(ctx, destination))
    _no_message(ctx, dlq, 5)
    assert _queue_size(ctx, source) == 0


@case("test_fifo_message_group_parallelism")
def fifo_message_group_parallelism(ctx: CaseContext, _: str | None) -> None:
    sqs = aws(ctx, "sqs")
    url, arn = queue(
        ctx,
        ctx.name("test-queue") + ".fifo",
        FifoQueue="true",
        ContentBasedDeduplication="true",
        VisibilityTimeout="60",
    )
    name = ctx.name("function-name")
    out = recording_function(
        ctx, name, SLEEP_WATCHING, Timeout=10, Variables={"TEST_SLEEP_S": "0.5"}
    )
    created = ctx.lam.create_event_source_mapping(
        FunctionName=name, EventSourceArn=arn, Enabled=False, BatchSize=1
    )
    uuid = created["UUID"]
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=uuid))
    ctx.match("create_esm_disabled", _mapping(created))
    for index in range(5):
        sqs.send_message(
            QueueUrl=url, MessageBody=f"message-{index}", MessageGroupId="fixed-message-group-id"
        )
    ctx.match(
        "update_esm_enabling",
        _mapping(ctx.lam.update_event_source_mapping(UUID=uuid, Enabled=True)),
    )
    wait_until(lambda: ctx.lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled")
    ctx.match("get_esm_enabled", _mapping(ctx.lam.get_event_source_mapping(UUID=uuid)))
    # One message group: one invocation at a time, in order (LocalStack counts log streams).
    wait_until(lambda: len(list(out.glob("*.json"))) == 5, 60)
    bodies = [json.loads(f.read_text())["Records"][0]["body"] for f in sorted(out.glob("*.json"))]
    assert bodies == [f"message-{index}" for index in range(5)]
    assert not (out / "overlap").exists()


def _forwarded_records(
    ctx: CaseContext, url: str, count: int, key: Callable[[Any], Any] = lambda r: r["body"]
) -> tuple[int, list[Any]]:
    """The batches the function forwarded to `url`, once they hold `count` records:
    (how many batches, the records sorted by body, as LocalStack's SortingTransformer)."""
    sqs = aws(ctx, "sqs")
    batches: list[list[Any]] = []

    def all_there() -> bool:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in got.get("Messages", []):
            batches.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return sum(len(batch) for batch in batches) >= count

    wait_until(all_there, 60)
    records = sorted((r for batch in batches for r in batch), key=key)
    return len(batches), records


def _forwarding_function(ctx: CaseContext) -> tuple[str, str]:
    destination, _ = queue(ctx, ctx.name("destination-queue"))
    name = ctx.name("lambda_func")
    ctx.create_function(
        name,
        Code={"ZipFile": code_zip(SEND_RECORDS)},
        Environment={"Variables": {"SQS_QUEUE_URL": destination}},
    )
    return name, destination


@case(f"{SQS}::test_sqs_event_source_mapping_batch_size", ["15", "100", "1000", "10000"])
def sqs_event_source_mapping_batch_size(ctx: CaseContext, param: str | None) -> None:
    sqs = aws(ctx, "sqs")
    name, destination = _forwarding_function(ctx)
    url, arn = queue(ctx, ctx.name("source-queue"))
    created = ctx.lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        MaximumBatchingWindowInSeconds=2,
        BatchSize=int(str(param)),
    )
    uuid = created["UUID"]
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=uuid))
    # LocalStack's transformer for the window it shortens ("intentional parity difference")
    created["MaximumBatchingWindowInSeconds"] = "maximum-batching-window-in-seconds"
    ctx.match("create-event-source-mapping-response", _mapping(created))
    wait_until(lambda: ctx.lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled")
    for part, count in ((0, 10), (1, 5)):
        entries = [
            {"Id": f"{i}-{part}", "MessageBody": f"{i}-{part}-message-{i}"} for i in range(count)
        ]
        ctx.match(
            f"send-message-batch-result-{count}",
            _sent(sqs.send_message_batch(QueueUrl=url, Entries=entries)),
        )
    ctx.match("Records", _forwarded_records(ctx, destination, 15)[1])


@case(f"{SQS}::test_sqs_event_source_mapping_batching_reserved_concurrency")
def sqs_batching_reserved_concurrency(ctx: CaseContext, _: str | None) -> None:
    sqs = aws(ctx, "sqs")
    name, destination = _forwarding_function(ctx)
    ctx.match(
        "put_concurrency_resp",
        ctx.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2),
    )
    url, arn = queue(ctx, ctx.name("source-queue"))
    # AWS recorded a window of 1 s (LocalStack's test asks for 10 s today)
    created = ctx.lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        MaximumBatchingWindowInSeconds=1,
        BatchSize=20,
        ScalingConfig={"MaximumConcurrency": 2},
    )
    uuid = created["UUID"]
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=uuid))
    ctx.match("create-event-source-mapping-response", _mapping(created))
    wait_until(lambda: ctx.lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled")
    for part in range(3):
        entries = [{"Id": f"{i}-{part}", "MessageBody": f"{i}-{part}-message"} for i in range(10)]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    count, records = _forwarded_records(ctx, destination, 30)
    ctx.match("batch_info", {"total_batches_received": count})
    ctx.match("Records", records)
