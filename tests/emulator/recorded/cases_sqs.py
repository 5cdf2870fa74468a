"""Rebuilt cases of LocalStack's SQS mapping file that poll a queue (moto server's) and invoke."""

from __future__ import annotations

import json
from typing import Any

from emulator.recorded.cases_mapping_sources import _mapping
from emulator.recorded.context import CaseContext, case, code_zip
from emulator.recorded.sources import (
    RECORDING_ECHO,
    await_enabled,
    aws,
    events,
    queue,
    recording_function,
)

SQS = "TestSQSEventSourceMapping"

# Parameter id -> (filter, a body it matches, a body it does not). The filter and the matching
# body are AWS's recorded ones (the create response and the event hold them); the ids filter0..7,
# *-filter and numeric-prefix are an earlier version of the same test.
FILTERS: dict[str, tuple[dict[str, Any], Any, Any]] = {
    "single": ({"body": {"my-key": ["my-value"]}}, {"my-key": "my-value"}, {"my-key": "other"}),
    "or": (
        {"body": {"my-key": ["my-value-one", "my-value-two"]}},
        {"my-key": "my-value-two"},
        {"my-key": "other-value"},
    ),
    "and": (
        {"body": {"my-key-one": ["other-filter", "my-value-one"], "my-key-two": ["my-value-two"]}},
        {"my-key-one": "my-value-one", "my-key-two": "my-value-two"},
        {"my-key-one": "other-value-", "my-key-two": "my-value-two"},
    ),
    "exists": (
        {"body": {"my-key": [{"exists": True}]}},
        {"my-key": "any-value-one"},
        {"other-key": "any-value-two"},
    ),
    "numeric-bigger": (
        {"body": {"my-number": [{"numeric": [">", 100]}]}},
        {"my-number": 101},
        {"my-number": 100},
    ),
    "numeric-smaller": (
        {"body": {"my-number": [{"numeric": ["<", 100]}]}},
        {"my-number": 99},
        {"my-number": 100},
    ),
    "numeric-range": (
        {"body": {"my-number": [{"numeric": [">=", 100, "<", 200]}]}},
        {"my-number": 100},
        {"my-number": 200},
    ),
    "prefix": (
        {"body": {"my-key": [{"prefix": "yes"}]}},
        {"my-key": "yes-value"},
        {"my-key": "no"},
    ),
    "valid-json-filter": (
        {"body": {"my-key": ["my-value"]}},
        {"my-key": "my-value"},
        "plain-string",
    ),
}
_EARLIER: list[tuple[dict[str, Any], Any, Any]] = [
    ({"body": {"testItem": ["test24"]}}, {"testItem": "test24"}, {"testItem": "test23"}),
    (
        {"body": {"testItem": ["test24", "test45"]}},
        {"testItem": "test45"},
        {"testItem": "test23"},
    ),
    (
        {"body": {"testItem": ["test24", "test45"], "test2": ["go"]}},
        {"testItem": "test45", "test2": "go"},
        {"testItem": "test67", "test2": "go"},
    ),
    ({"body": {"test2": [{"exists": True}]}}, {"test2": "7411"}, {"test3": "7411"}),
    (
        {"body": {"test2": [{"numeric": [">", 100]}]}},
        {"test2": 105},
        "this is a test string",
    ),
    ({"body": {"test2": [{"numeric": ["<", 100]}]}}, {"test2": 93}, {"test2": 105}),
    (
        {"body": {"test2": [{"numeric": [">=", 100, "<", 200]}]}},
        {"test2": 105},
        {"test2": 205},
    ),
    ({"body": {"test2": [{"prefix": "us-1"}]}}, {"test2": "us-1-48454"}, {"test2": "us-2-48454"}),
]
for _index, _params in enumerate(_EARLIER):
    _not = "this is a test string" if _index == 4 else f"item_not_matching{_index}"
    FILTERS[f"filter{_index}-item_matching{_index}-{_not}"] = _params
for _id, _index in (("single", 0), ("or", 1), ("and", 2), ("exists", 3), ("numeric-prefix", 7)):
    FILTERS[f"{_id}-filter" if _id != "numeric-prefix" else _id] = _EARLIER[_index]


@case(f"{SQS}::test_sqs_event_filter", FILTERS)
def sqs_event_filter(ctx: CaseContext, param: str | None) -> None:
    pattern, matching, not_matching = FILTERS[str(param)]
    name = ctx.name("lambda_func")
    out = recording_function(ctx, name)
    url, arn = queue(ctx)
    sqs = aws(ctx, "sqs")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(matching))
    sqs.send_message(
        QueueUrl=url,
        MessageBody=not_matching if isinstance(not_matching, str) else json.dumps(not_matching),
    )
    created = ctx.lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        MaximumBatchingWindowInSeconds=1,
        FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]},
    )
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=created["UUID"]))
    ctx.match("create_event_source_mapping_response", _mapping(created))
    await_enabled(ctx, created["UUID"])
    got = events(out, 1)
    assert len(got) == 1 and len(got[0]["Records"]) == 1, got
    ctx.match("invocation_events", got)
    _assert_empty(sqs, url)


def _assert_empty(sqs: Any, url: str) -> None:
    """Both messages are gone: the matching one processed, the other dropped by the filter."""
    from emulator.harness import wait_until

    def empty() -> bool:
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return all(value == "0" for value in attributes.values())

    wait_until(empty)


@case(f"{SQS}::test_sqs_event_source_mapping")
def sqs_event_source_mapping(ctx: CaseContext, _: str | None) -> None:
    name = ctx.name("lambda_func")
    out = recording_function(ctx, name)
    url, arn = queue(ctx)
    created = ctx.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, MaximumBatchingWindowInSeconds=1
    )
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=created["UUID"]))
    ctx.match("create-event-source-mapping-response", _mapping(created))
    await_enabled(ctx, created["UUID"])
    sqs = aws(ctx, "sqs")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"foo": "bar"}))
    ctx.match("events", events(out, 1))
    _assert_empty(sqs, url)


# As LocalStack's TEST_LAMBDA_PYTHON_ECHO_VERSION_ENV: the event with the version and CUSTOM_VAR.
VERSION_ECHO = RECORDING_ECHO.replace(
    "    print(json.dumps(event))\n",
    "    event = {'function_version': os.environ['AWS_LAMBDA_FUNCTION_VERSION'],\n"
    "             'CUSTOM_VAR': os.environ.get('CUSTOM_VAR'), 'event': event}\n"
    "    print(json.dumps(event))\n",
)


@case(f"{SQS}::test_sqs_event_source_mapping_update")
def sqs_event_source_mapping_update(ctx: CaseContext, _: str | None) -> None:
    lam = ctx.lam
    name = ctx.name("lambda_func")
    out = recording_function(ctx, name, VERSION_ECHO)

    def publish(custom: str) -> dict[str, Any]:
        lam.update_function_configuration(
            FunctionName=name,
            Environment={"Variables": {"CUSTOM_VAR": custom, "CASE_OUT": str(out)}},
        )
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        version: dict[str, Any] = lam.publish_version(FunctionName=name)
        lam.get_waiter("function_active_v2").wait(FunctionName=version["FunctionArn"])
        return version

    v1 = publish("a")
    url, arn = queue(ctx)
    created = lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=v1["FunctionArn"], MaximumBatchingWindowInSeconds=1
    )
    uuid = created["UUID"]
    ctx.cleanups.append(lambda: lam.delete_event_source_mapping(UUID=uuid))
    ctx.match("create-event-source-mapping-response", _mapping(created))
    await_enabled(ctx, uuid)
    sqs = aws(ctx, "sqs")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"foo": "bar"}))
    ctx.match("events", events(out, 1))
    _assert_empty(sqs, url)
    v2 = publish("b")
    updated = lam.update_event_source_mapping(UUID=uuid, FunctionName=v2["FunctionArn"])
    ctx.match("updated_esm", _mapping(updated))
    await_enabled(ctx, uuid)
    ctx.match("updated_event_source_mapping", _mapping(lam.get_event_source_mapping(UUID=uuid)))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"foo": "bar2"}))
    ctx.match("events_postupdate", events(out, 2))
    _assert_empty(sqs, url)


@case("test_esm_with_not_existing_sqs_queue")
def esm_with_not_existing_sqs_queue(ctx: CaseContext, _: str | None) -> None:
    name = ctx.name("lambda_func")
    ctx.create_function(name)
    url, arn = queue(ctx)
    aws(ctx, "sqs").delete_queue(QueueUrl=url)
    ctx.match(
        "error",
        ctx.error(ctx.lam.create_event_source_mapping, EventSourceArn=arn, FunctionName=name),
    )


# As LocalStack's lambda_sqs_integration.py does: one record whose body names a destination
# queue and how many receives fail; the outcome (error or not, and the event) goes to that queue.
SQS_INTEGRATION = """
import json, os

import boto3


def handler(event, context):
    record = event["Records"][0]
    message = json.loads(record["body"])
    error = None
    try:
        if message["fail_attempts"] >= int(record["attributes"]["ApproximateReceiveCount"]):
            raise ValueError("failed attempt")
    except Exception as e:
        error = e
        raise
    finally:
        sqs = boto3.client("sqs", endpoint_url=os.environ.get("AWS_ENDPOINT_URL_SQS"))
        result = {"error": None if error is None else str(error), "event": event}
        sqs.send_message(QueueUrl=message["destination"], MessageBody=json.dumps(result))
"""


def _receive(ctx: CaseContext, url: str, wait: int = 15) -> dict[str, Any]:
    from emulator.recorded.sources import parsed

    got: dict[str, Any] = aws(ctx, "sqs").receive_message(
        QueueUrl=url, WaitTimeSeconds=wait, MaxNumberOfMessages=1
    )
    return dict(parsed(got))


@case("test_failing_lambda_retries_after_visibility_timeout")
def failing_lambda_retries(ctx: CaseContext, _: str | None) -> None:
    sqs = aws(ctx, "sqs")
    destination_name = ctx.name("destination-queue")
    destination, _ = queue(ctx, destination_name)
    ctx.match("get_destination_queue_url", sqs.get_queue_url(QueueName=destination_name))
    name = ctx.name("failing-lambda")
    ctx.create_function(name, Code={"ZipFile": code_zip(SQS_INTEGRATION)}, Timeout=5)
    source, arn = queue(ctx, VisibilityTimeout="5")
    created = ctx.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, BatchSize=1
    )
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=created["UUID"]))
    await_enabled(ctx, created["UUID"])
    ctx.match(
        "event_source_mapping", _mapping(ctx.lam.get_event_source_mapping(UUID=created["UUID"]))
    )
    sqs.send_message(
        QueueUrl=source, MessageBody=json.dumps({"destination": destination, "fail_attempts": 1})
    )
    ctx.match("first_attempt", _receive(ctx, destination))
    ctx.match("second_attempt", _receive(ctx, destination))


@case("test_redrive_policy_with_failing_lambda")
def redrive_policy_with_failing_lambda(ctx: CaseContext, _: str | None) -> None:
    sqs = aws(ctx, "sqs")
    destination_name = ctx.name("destination-queue")
    destination, _ = queue(ctx, destination_name)
    ctx.match("get_destination_queue_url", sqs.get_queue_url(QueueName=destination_name))
    name = ctx.name("failing-lambda")
    ctx.create_function(name, Code={"ZipFile": code_zip(SQS_INTEGRATION)}, Timeout=5)
    dlq, dlq_arn = queue(ctx)
    source, arn = queue(
        ctx,
        VisibilityTimeout="5",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
    )
    created = ctx.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, BatchSize=1
    )
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=created["UUID"]))
    await_enabled(ctx, created["UUID"])
    sqs.send_message(
        QueueUrl=source, MessageBody=json.dumps({"destination": destination, "fail_attempts": 2})
    )
    ctx.match("first_attempt", _receive(ctx, destination))
    assert not sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages")
    ctx.match("second_attempt", _receive(ctx, destination))
    got = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=15)
    from emulator.recorded.sources import parsed

    ctx.match("dlq_response", parsed(got))
