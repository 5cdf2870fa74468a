"""Kinesis and DynamoDB Streams mappings against moto server: order per shard and per partition
key, a poison record bisected down to itself and sent to the OnFailure queue with AWS's record,
DynamoDB's event shape, and the checks on create."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from emulator.harness import (
    REGION,
    EmulatorProcess,
    make_client,
    start_emulator,
    unique,
    wait_until,
)
from emulator.test_emulator_async import deploy_source
from emulator.test_emulator_esm import make_queue

# Fails the whole batch if it holds a record whose data is "poison"; otherwise appends one line
# per record to <OUT>/seen.txt: shard, sequence number, partition key, data (or the DynamoDB
# event name and key).
CONSUMER = """
import base64, json, os

def handler(event, context):
    lines = []
    for record in event["Records"]:
        shard, sequence = record["eventID"].split(":", 1) if "kinesis" in record else ("", "")
        if "kinesis" in record:
            data = base64.b64decode(record["kinesis"]["data"]).decode()
            if data == "poison":
                raise RuntimeError("poison")
            key = record["kinesis"]["partitionKey"]
            lines.append(json.dumps([shard, sequence, key, data]))
        else:
            lines.append(json.dumps(record))
    with open(os.path.join(os.environ["OUT"], "seen.txt"), "a") as f:
        f.write("".join(line + "\\n" for line in lines))
"""


def _session() -> Any:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


@pytest.fixture(scope="module")
def streaming(
    tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str
) -> Iterator[EmulatorProcess]:
    # --sqs-endpoint is the endpoint of the stream sources too, when no AWS_ENDPOINT_URL_* says
    # otherwise (moto serves all three).
    server = start_emulator(
        tmp_path_factory.mktemp("streams") / "data", "--sqs-endpoint", moto_endpoint
    )
    try:
        yield server
    finally:
        server.stop()


def consumer(lam: Any, tmp_path: Path) -> tuple[str, Path]:
    out = tmp_path / unique("out")
    out.mkdir()
    name = deploy_source(lam, CONSUMER, tmp_path)
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"OUT": str(out)}}
    )
    return name, out


def seen(out: Path) -> list[Any]:
    path = out / "seen.txt"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_kinesis_poison_record_bisected_to_destination_order_kept_per_shard(
    streaming: EmulatorProcess, moto_endpoint: str, tmp_path: Path
) -> None:
    kinesis = _session().client("kinesis", endpoint_url=moto_endpoint)
    sqs = _session().client("sqs", endpoint_url=moto_endpoint)
    lam = make_client(streaming.endpoint)
    name, out = consumer(lam, tmp_path)
    stream = unique("stream")
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    stream_arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    dead_url, dead_arn = make_queue(sqs)
    sent: dict[str, tuple[str, str]] = {}  # data -> (shard, sequence)
    for i in range(30):
        data = "poison" if i == 13 else f"r{i}"
        put = kinesis.put_record(StreamName=stream, Data=data.encode(), PartitionKey=f"k{i % 5}")
        sent[data] = (put["ShardId"], put["SequenceNumber"])
    mapping = lam.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=8,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": dead_arn}},
    )
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == 0
    assert mapping["DestinationConfig"] == {"OnFailure": {"Destination": dead_arn}}
    good = {data for data in sent if data != "poison"}
    wait_until(lambda: {line[3] for line in seen(out)} == good, 60)
    lines = seen(out)
    assert len(lines) == len(good)  # each good record succeeded exactly once
    for shard in {s for s, _ in sent.values()}:
        sequences = [int(line[1]) for line in lines if line[0] == shard]
        assert sequences == sorted(sequences), shard
        assert all(sent[line[3]] == (line[0], line[1]) for line in lines if line[0] == shard)

    messages: list[Any] = []
    wait_until(
        lambda: (
            messages.extend(
                sqs.receive_message(QueueUrl=dead_url, WaitTimeSeconds=1).get("Messages", [])
            )
            or bool(messages)
        ),
        30,
    )
    assert len(messages) == 1
    record = json.loads(messages[0]["Body"])
    info = record["KinesisBatchInfo"]
    shard, sequence = sent["poison"]
    assert info["batchSize"] == 1
    assert (info["shardId"], info["startSequenceNumber"]) == (shard, sequence)
    assert info["endSequenceNumber"] == sequence
    assert info["streamArn"] == stream_arn
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["functionArn"].endswith(f":function:{name}")
    assert record["responseContext"]["functionError"] == "Unhandled"
    lam.delete_event_source_mapping(UUID=mapping["UUID"])


def test_kinesis_parallelization_keeps_order_per_partition_key(
    streaming: EmulatorProcess, moto_endpoint: str, tmp_path: Path
) -> None:
    kinesis = _session().client("kinesis", endpoint_url=moto_endpoint)
    lam = make_client(streaming.endpoint)
    name, out = consumer(lam, tmp_path)
    stream = unique("stream")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    for i in range(40):
        kinesis.put_record(StreamName=stream, Data=f"{i}".encode(), PartitionKey=f"k{i % 7}")
    mapping = lam.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        BatchSize=20,
        ParallelizationFactor=4,
    )
    assert mapping["ParallelizationFactor"] == 4
    wait_until(lambda: len(seen(out)) == 40, 60)
    lines = seen(out)
    for key in {line[2] for line in lines}:
        values = [int(line[3]) for line in lines if line[2] == key]
        assert values == sorted(values), key
    lam.delete_event_source_mapping(UUID=mapping["UUID"])


def test_dynamodb_stream_records_as_lambda_sends_them(
    streaming: EmulatorProcess, moto_endpoint: str, tmp_path: Path
) -> None:
    dynamodb = _session().client("dynamodb", endpoint_url=moto_endpoint)
    lam = make_client(streaming.endpoint)
    name, out = consumer(lam, tmp_path)
    table = unique("table")
    created = dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    stream_arn = created["TableDescription"]["LatestStreamArn"]
    mapping = lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=name, StartingPosition="TRIM_HORIZON"
    )
    assert mapping["BatchSize"] == 100
    for i in range(3):
        dynamodb.put_item(TableName=table, Item={"id": {"S": f"item{i}"}, "n": {"N": str(i)}})
    dynamodb.delete_item(TableName=table, Key={"id": {"S": "item0"}})
    wait_until(lambda: len(seen(out)) == 4, 60)
    records = seen(out)
    assert [r["eventName"] for r in records] == ["INSERT", "INSERT", "INSERT", "REMOVE"]
    first = records[0]
    assert first["eventSource"] == "aws:dynamodb"
    assert first["eventSourceARN"] == stream_arn
    assert first["dynamodb"]["Keys"] == {"id": {"S": "item0"}}
    assert first["dynamodb"]["NewImage"] == {"id": {"S": "item0"}, "n": {"N": "0"}}
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], float)
    lam.delete_event_source_mapping(UUID=mapping["UUID"])


def test_stream_mapping_checks(streaming: EmulatorProcess, tmp_path: Path) -> None:
    lam = make_client(streaming.endpoint)
    name = deploy_source(lam, CONSUMER, tmp_path)
    arn = f"arn:aws:kinesis:{REGION}:123456789012:stream/never-made"
    with pytest.raises(ClientError) as missing:
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name)
    assert missing.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as factor:
        lam.create_event_source_mapping(
            EventSourceArn=arn,
            FunctionName=name,
            StartingPosition="LATEST",
            ParallelizationFactor=11,
        )
    assert factor.value.response["Error"]["Code"] == "ValidationException"


def test_filter_criteria_on_kinesis_and_sqs(
    streaming: EmulatorProcess, moto_endpoint: str, tmp_path: Path
) -> None:
    kinesis = _session().client("kinesis", endpoint_url=moto_endpoint)
    sqs = _session().client("sqs", endpoint_url=moto_endpoint)
    lam = make_client(streaming.endpoint)
    name, out = consumer(lam, tmp_path)
    pattern = json.dumps({"data": {"kind": ["keep"]}})
    stream = unique("stream")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    for i in range(6):
        body = {"kind": "keep" if i % 2 else "drop", "i": i}
        kinesis.put_record(StreamName=stream, Data=json.dumps(body).encode(), PartitionKey="p")
    kinesis.put_record(StreamName=stream, Data=b"last", PartitionKey="p")  # not JSON: no match
    mapping = lam.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        FilterCriteria={"Filters": [{"Pattern": pattern}]},
    )
    assert mapping["FilterCriteria"] == {"Filters": [{"Pattern": pattern}]}
    wait_until(lambda: len(seen(out)) == 3, 60)
    assert [json.loads(line[3])["i"] for line in seen(out)] == [1, 3, 5]
    lam.delete_event_source_mapping(UUID=mapping["UUID"])

    # SQS: messages no filter accepts are deleted without reaching the function.
    sqs_name, sqs_out = consumer(lam, tmp_path)
    url, queue_arn = make_queue(sqs)
    lam.create_event_source_mapping(
        EventSourceArn=queue_arn,
        FunctionName=sqs_name,
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["keep"]}})}]},
    )
    for i in range(4):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": ["drop", "keep"][i % 2]}))

    def drained() -> bool:
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(v) for v in attributes.values()) == 0

    wait_until(lambda: len(seen(sqs_out)) == 2 and drained(), 60)
    assert all(json.loads(r["body"])["kind"] == "keep" for r in seen(sqs_out))


# Records, per batch, when it started and ended (a file per batch), sleeping in between so that
# batches in flight at once overlap.
SLOW = """
import json, os, time, uuid

def handler(event, context):
    started = time.time()
    time.sleep(0.5)
    path = os.path.join(os.environ["OUT"], uuid.uuid4().hex + ".json")
    with open(path, "w") as f:
        json.dump([started, time.time(), len(event["Records"])], f)
"""


def test_sqs_scaling_config_runs_that_many_batches_at_once(
    streaming: EmulatorProcess, moto_endpoint: str, tmp_path: Path
) -> None:
    sqs = _session().client("sqs", endpoint_url=moto_endpoint)
    lam = make_client(streaming.endpoint)
    out = tmp_path / "slow"
    out.mkdir()
    name = deploy_source(lam, SLOW, tmp_path)
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"OUT": str(out)}}
    )
    url, arn = make_queue(sqs, visibility=30)
    for i in range(12):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
    mapping = lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name, BatchSize=1, ScalingConfig={"MaximumConcurrency": 3}
    )
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 3}

    def spans() -> list[list[float]]:
        return [json.loads(p.read_text()) for p in out.glob("*.json")]

    wait_until(lambda: sum(s[2] for s in spans()) == 12, 60)
    # The most batches in flight at one moment: at a batch's start, those begun and not ended.
    overlap = max(sum(1 for o in spans() if o[0] <= s[0] < o[1]) for s in spans())
    assert 2 <= overlap <= 3
    lam.delete_event_source_mapping(UUID=mapping["UUID"])


def checkpoints(data: Path) -> list[str]:
    """The stream checkpoints in the data dir's database (read-only, beside the emulator)."""
    uri = f"file:{data / 'emulator.sqlite3'}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as conn:
        try:
            rows = conn.execute("SELECT sequence FROM stream_checkpoints").fetchall()
        except sqlite3.OperationalError:  # the table isn't there yet
            return []
        return [str(row[0]) for row in rows]


def test_kill_9_while_polling_resumes_after_the_checkpoint(
    moto_endpoint: str, tmp_path: Path
) -> None:
    kinesis = _session().client("kinesis", endpoint_url=moto_endpoint)
    data = tmp_path / "data"
    server = start_emulator(data, "--sqs-endpoint", moto_endpoint)
    try:
        lam = make_client(server.endpoint)
        name, out = consumer(lam, tmp_path)
        stream = unique("stream")
        kinesis.create_stream(StreamName=stream, ShardCount=1)
        arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
        for i in range(5):
            put = kinesis.put_record(StreamName=stream, Data=f"a{i}".encode(), PartitionKey="p")
        lam.create_event_source_mapping(
            EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON"
        )
        wait_until(lambda: len(seen(out)) == 5, 60)
        # The checkpoint is written just after the batch; kill once it is there, so the test
        # knows what the emulator had acknowledged.
        wait_until(lambda: checkpoints(data) == [put["SequenceNumber"]], 30)
    finally:
        server.kill()
    for i in range(5):
        kinesis.put_record(StreamName=stream, Data=f"b{i}".encode(), PartitionKey="p")
    server = start_emulator(data, "--sqs-endpoint", moto_endpoint)
    try:
        wait_until(lambda: len(seen(out)) >= 10, 60)
        # Nothing before the checkpoint comes again, nothing after it is lost.
        assert [line[3] for line in seen(out)] == [f"a{i}" for i in range(5)] + [
            f"b{i}" for i in range(5)
        ]
    finally:
        server.stop()
