"""SQS event source mappings against moto server's SQS: the pull model (BatchSize, batching
window, ReportBatchItemFailures: only succeeded messages are deleted), AWS's SQS event shape,
mapping CRUD through boto3, persistence across a restart, and an SQS OnFailure destination."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from emulator.harness import (
    REGION,
    EmulatorProcess,
    check_shape,
    make_client,
    raw_call,
    start_emulator,
    unique,
    wait_until,
)
from emulator.test_emulator_async import ARN, deploy_source

# Writes each record it gets (and its invocation's request id) to <OUT>/<body>-<receive count>.json. A body starting with "bad"
# is reported as a batch item failure on its first receive; "crash" raises on its first one.
CONSUMER = """
import json, os

def handler(event, context):
    failures = []
    folder = os.environ["OUT"]
    for record in event["Records"]:
        count = record["attributes"]["ApproximateReceiveCount"]
        with open(os.path.join(folder, f"{record['body']}-{count}.json"), "w") as f:
            json.dump({"record": record, "request": context.aws_request_id}, f)
    for record in event["Records"]:
        first = record["attributes"]["ApproximateReceiveCount"] == "1"
        if first and record["body"].startswith("crash"):
            raise RuntimeError("crash")
        if first and record["body"].startswith("bad"):
            failures.append({"itemIdentifier": record["messageId"]})
    with open(os.path.join(folder, "batches.txt"), "a") as f:
        f.write(f"{len(event['Records'])}\\n")
    return {"batchItemFailures": failures}
"""


@pytest.fixture(scope="module")
def sqs(moto_endpoint: str) -> Any:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    ).client("sqs", endpoint_url=moto_endpoint)


@pytest.fixture(scope="module")
def polling(
    tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str
) -> Iterator[EmulatorProcess]:
    server = start_emulator(
        tmp_path_factory.mktemp("esm") / "data",
        "--sqs-endpoint",
        moto_endpoint,
        "--async-retry-delays",
        "0.05",
    )
    try:
        yield server
    finally:
        server.stop()


# Longer than the 1 s batching window the tests use plus an invoke under load: with a visibility
# timeout equal to the window, a message received early in a window came back visible before
# the window closed and was received twice in one batch (flaky under load).
VISIBILITY_S = 3


def make_queue(sqs: Any, visibility: int = VISIBILITY_S) -> tuple[str, str]:
    name = unique("queue")
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(visibility)})[
        "QueueUrl"
    ]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def consumer(lam: Any, tmp_path: Path) -> tuple[str, Path]:
    out = tmp_path / unique("out")
    out.mkdir()
    name = deploy_source(lam, CONSUMER, tmp_path)
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"OUT": str(out)}}
    )
    return name, out


def queue_size(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_partial_batch_failures(polling: EmulatorProcess, sqs: Any, tmp_path: Path) -> None:
    lam = make_client(polling.endpoint)
    name, out = consumer(lam, tmp_path)
    url, arn = make_queue(sqs)
    mapping = lam.create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        BatchSize=5,
        MaximumBatchingWindowInSeconds=1,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    assert mapping["State"] == "Creating"
    bodies = [f"good{i}" for i in range(12)] + [f"bad{i}" for i in range(4)]
    for start in range(0, len(bodies), 10):
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {
                    "Id": str(i),
                    "MessageBody": body,
                    "MessageAttributes": {"kind": {"DataType": "String", "StringValue": body[:3]}},
                }
                for i, body in enumerate(bodies[start : start + 10])
            ],
        )
    # The bad ones fail once, stay in the queue, come back after its visibility timeout and
    # succeed; the good ones are deleted after their first (and only) delivery.
    wait_until(lambda: all((out / f"{b}-2.json").exists() for b in bodies if b[:3] == "bad"), 60)
    wait_until(lambda: queue_size(sqs, url) == 0, 30)
    for body in bodies:
        again = (out / f"{body}-2.json").exists()
        assert again == body.startswith("bad"), body
    batches = [int(n) for n in (out / "batches.txt").read_text().split()]
    assert sum(batches) == len(bodies) + 4 and max(batches) <= 5

    record = delivery(out, "good0-1")["record"]
    assert set(record) == {
        "messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
        "md5OfMessageAttributes", "eventSource", "eventSourceARN", "awsRegion",
    }  # fmt: skip
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["awsRegion"] == REGION
    assert {"ApproximateReceiveCount", "SentTimestamp", "SenderId"} <= set(record["attributes"])
    assert record["messageAttributes"] == {
        "kind": {
            "stringValue": "goo",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }
    import hashlib

    assert record["md5OfBody"] == hashlib.md5(b"good0").hexdigest()
    got = lam.get_event_source_mapping(UUID=mapping["UUID"])
    # AWS sends no LastProcessingResult for queues (only for streams).
    assert got["State"] == "Enabled" and "LastProcessingResult" not in got


def test_a_function_error_deletes_nothing(
    polling: EmulatorProcess, sqs: Any, tmp_path: Path
) -> None:
    lam = make_client(polling.endpoint)
    name, out = consumer(lam, tmp_path)
    url, arn = make_queue(sqs)
    lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, BatchSize=10, MaximumBatchingWindowInSeconds=1
    )
    bodies = ["crash", "fine1", "fine2"]
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)]
    )
    wait_until(lambda: (out / "crash-2.json").exists(), 60)
    wait_until(lambda: queue_size(sqs, url) == 0, 30)
    # None of the crashed batch's messages was deleted: each came back (a second receive).
    crashed = delivery(out, "crash-1")["request"]
    shared = [b for b in bodies if delivery(out, f"{b}-1")["request"] == crashed]
    assert "crash" in shared
    assert all((out / f"{b}-2.json").exists() for b in shared)
    lines = (out / "batches.txt").read_text().split()
    assert sum(int(n) for n in lines) == len(bodies), "each message succeeded once"


def delivery(out: Path, stem: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / f"{stem}.json").read_text())
    return data


def test_mapping_api(polling: EmulatorProcess, sqs: Any, tmp_path: Path, lambda_model: Any) -> None:
    lam = make_client(polling.endpoint)
    name, _ = consumer(lam, tmp_path)
    _, arn = make_queue(sqs)
    created = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, Enabled=False)
    uuid = created["UUID"]
    assert created["BatchSize"] == 10 and created["MaximumBatchingWindowInSeconds"] == 0
    assert created["FunctionArn"] == ARN + name
    assert created["StateTransitionReason"] == "USER_INITIATED"
    wait_until(lambda: lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled")
    status, _, body = raw_call(polling.endpoint, "GET", f"/2015-03-31/event-source-mappings/{uuid}")
    check_shape(lambda_model, "EventSourceMappingConfiguration", json.loads(body))

    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name)
    updated = lam.update_event_source_mapping(
        UUID=uuid, BatchSize=50, MaximumBatchingWindowInSeconds=2, Enabled=True
    )
    # Turning a mapping on answers Enabling (off: Disabling; other changes: Updating), as AWS does
    assert updated["State"] == "Enabling" and updated["BatchSize"] == 50
    wait_until(lambda: lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled")
    assert lam.update_event_source_mapping(UUID=uuid, BatchSize=50)["State"] == "Updating"
    wait_until(lambda: lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled")

    listed = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [uuid]
    assert [
        m["UUID"] for m in lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]
    ] == [uuid]
    assert lam.list_event_source_mappings(FunctionName=unique())["EventSourceMappings"] == []

    with pytest.raises(lam.exceptions.InvalidParameterValueException):  # AWS's recorded code
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=unique("missing"))
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.create_event_source_mapping(EventSourceArn=arn + "-x", FunctionName=name + ":nope")
    for bad in (
        {"EventSourceArn": "arn:aws:kinesis:us-east-1:123456789012:stream/s", "FunctionName": name},
        {"EventSourceArn": arn + "-2", "FunctionName": name, "BatchSize": 11},
        {
            "EventSourceArn": arn + "-3",
            "FunctionName": name,
            "FilterCriteria": {"Filters": [{"Pattern": "not json"}]},
        },
        {
            "EventSourceArn": arn + ".fifo",
            "FunctionName": name,
            "MaximumBatchingWindowInSeconds": 1,
        },
    ):
        with pytest.raises(lam.exceptions.InvalidParameterValueException):
            lam.create_event_source_mapping(**bad)
    unchecked = make_client(polling.endpoint, parameter_validation=False)
    with pytest.raises(ClientError) as e:
        unchecked.update_event_source_mapping(UUID=uuid, MaximumBatchingWindowInSeconds=301)
    assert e.value.response["Error"]["Code"] == "ValidationException"

    deleted = lam.delete_event_source_mapping(UUID=uuid)
    assert deleted["State"] == "Deleting"
    for call in (lam.get_event_source_mapping, lam.delete_event_source_mapping):
        with pytest.raises(lam.exceptions.ResourceNotFoundException):
            call(UUID=uuid)


def test_mappings_resume_after_a_restart(tmp_path: Path, sqs: Any, moto_endpoint: str) -> None:
    data = tmp_path / "data"
    server = start_emulator(data, "--sqs-endpoint", moto_endpoint)
    try:
        lam = make_client(server.endpoint)
        name, out = consumer(lam, tmp_path)
        url, arn = make_queue(sqs)
        uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name)["UUID"]
        server.kill()
        sqs.send_message(QueueUrl=url, MessageBody="after-restart")
        server = start_emulator(data, "--sqs-endpoint", moto_endpoint)
        lam = make_client(server.endpoint)
        wait_until(lambda: (out / "after-restart-1.json").exists(), 30)
        assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"
    finally:
        server.stop()


def test_sqs_on_failure_destination(polling: EmulatorProcess, sqs: Any, tmp_path: Path) -> None:
    lam = make_client(polling.endpoint)
    name = deploy_source(
        lam, "def handler(event, context):\n    raise ValueError('no')\n", tmp_path
    )
    url, arn = make_queue(sqs, visibility=30)
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 1}')
    messages: list[Any] = []

    def received() -> bool:
        messages.extend(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []))
        return bool(messages)

    wait_until(received, 30)
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"] == {"n": 1}
    assert record["responsePayload"]["errorType"] == "ValueError"


@pytest.mark.parametrize(
    ("payload", "failed"),
    [
        (b"", set()),
        (b"null", set()),
        (b"{}", set()),
        (b"[]", set()),
        (b'[{"itemIdentifier": "a"}]', {"a", "b"}),
        (b'{"batchItemFailures": []}', set()),
        (b'{"batchItemFailures": null}', set()),
        (b'{"batchItemFailures": [{"itemIdentifier": "a"}]}', {"a"}),
        (b'{"batchItemFailures": [{"itemIdentifier": "zzz"}]}', {"a", "b"}),
        (b'{"batchItemFailures": [{"itemIdentifier": ""}]}', {"a", "b"}),
        (b'{"batchItemFailures": [{"id": "a"}]}', {"a", "b"}),
        (b"not json", {"a", "b"}),
    ],
)
def test_batch_item_failures_as_aws_reads_them(payload: bytes, failed: set[str]) -> None:
    from lamina.emulator.batch_failures import failed_items
    from lamina.runtime.invocation import InvocationResult

    result = InvocationResult(request_id="r", ok=True, payload=payload)
    assert failed_items(result, {"a", "b"}) == failed
