"""Rebuilt MaximumRecordAgeInSeconds cases of LocalStack's Kinesis mapping file: a record that
grows older than 60 s (AWS's least) before or while the function gets it goes to the on-failure
queue with condition RecordAgeExceeded. Each waits out that minute (`make e2e`)."""

from __future__ import annotations

import base64
import time

from emulator.recorded.cases_mapping_sources import _mapping, kinesis_stream
from emulator.recorded.cases_sqs_forwarding import _forwarded_records, _forwarding_function
from emulator.recorded.cases_streams import KINESIS, _failure_messages
from emulator.recorded.context import CaseContext, case, code_zip
from emulator.recorded.sources import await_enabled, aws, queue

MAX_AGE_S = 60
# As LocalStack's echo-failure handler: it always fails.
FAILING = "def handler(event, context):\n    raise Exception('intentional failure')\n"
# Parameter id -> (seconds between the record and the mapping, MaximumRetryAttempts)
AGE_CASES = {"expire-while-retrying": (0, -1), "expire-before-ingestion": (MAX_AGE_S + 2, 0)}


def _age_mapping(ctx: CaseContext, name: str, arn: str, **params: int) -> str:
    """The mapping both tests make, its on-failure queue's url returned."""
    url, destination = queue(ctx)
    created = ctx.lam.create_event_source_mapping(
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        EventSourceArn=arn,
        MaximumBatchingWindowInSeconds=1,
        MaximumRecordAgeInSeconds=MAX_AGE_S,
        DestinationConfig={"OnFailure": {"Destination": destination}},
        **params,
    )
    ctx.cleanups.append(lambda: ctx.lam.delete_event_source_mapping(UUID=created["UUID"]))
    ctx.match("create_event_source_mapping_response", _mapping(created))
    await_enabled(ctx, created["UUID"])
    return url


@case(f"{KINESIS}::test_kinesis_maximum_record_age_exceeded", AGE_CASES)
def kinesis_maximum_record_age_exceeded(ctx: CaseContext, param: str | None) -> None:
    delay, retries = AGE_CASES[str(param)]
    arn = kinesis_stream(ctx, ctx.name("test-kinesis"))
    aws(ctx, "kinesis").put_record(Data=b"stream-data", PartitionKey="test", StreamARN=arn)
    time.sleep(delay)  # the record expires before the mapping reads it
    name = ctx.name("lambda_func")
    ctx.create_function(name, Code={"ZipFile": code_zip(FAILING)})
    url = _age_mapping(ctx, name, arn, BatchSize=1, MaximumRetryAttempts=retries)
    ctx.match("record_age_exceeded_payload", _failure_messages(ctx, url, timeout=MAX_AGE_S * 2))


@case(f"{KINESIS}::test_kinesis_maximum_record_age_exceeded_discard_records")
def kinesis_record_age_discard_records(ctx: CaseContext, _: str | None) -> None:
    arn = kinesis_stream(ctx, ctx.name("test-kinesis"))
    kinesis = aws(ctx, "kinesis")
    kinesis.put_record(Data=b"stream-data", PartitionKey="test", StreamARN=arn)
    time.sleep(MAX_AGE_S + 2)  # the first record has expired; the next five have not
    kinesis.put_records(
        StreamARN=arn,
        Records=[
            {"Data": f"stream-data-{i + 1}".encode(), "PartitionKey": "test"} for i in range(5)
        ],
    )
    name, destination = _forwarding_function(ctx)
    url = _age_mapping(ctx, name, arn, BatchSize=10, MaximumRetryAttempts=0)
    ctx.match("record_age_exceeded_payload", _failure_messages(ctx, url))
    _, records = _forwarded_records(
        ctx, destination, 5, key=lambda record: base64.b64decode(record["kinesis"]["data"])
    )
    ctx.match("Records", records)
    # The expired record went to the destination only; the five others to the function.
    got = [base64.b64decode(record["kinesis"]["data"]).decode() for record in records]
    assert got == [f"stream-data-{i + 1}" for i in range(5)], got
