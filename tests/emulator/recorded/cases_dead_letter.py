"""Rebuilt case of LocalStack's test_sqs_queue_as_lambda_dead_letter_queue: an asynchronous event
the function fails is sent to the function's DeadLetterConfig queue (moto server's)."""

from __future__ import annotations

import json
import time
from typing import Any

from emulator.recorded.context import CaseContext, case, code_zip
from emulator.recorded.sources import aws, parsed, queue

# LocalStack's lambda_integration handler, as far as this case uses it.
FAILING = (
    "def handler(event, context):\n"
    "    if event.get('raise_error'):\n"
    "        raise Exception('Test exception (this is intentional)')\n"
    "    return event\n"
)


@case("test_sqs_queue_as_lambda_dead_letter_queue")
def sqs_queue_as_dead_letter_queue(ctx: CaseContext, _: str | None) -> None:
    url, arn = queue(ctx)
    name = ctx.name("lambda-fn")
    created = ctx.create_function(
        name, Code={"ZipFile": code_zip(FAILING)}, DeadLetterConfig={"TargetArn": arn}
    )
    ctx.match("lambda-response-dlq-config", created["CreateFunctionResponse"]["DeadLetterConfig"])
    ctx.lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    ctx.lam.invoke(
        FunctionName=name, Payload=json.dumps({"raise_error": 1}), InvocationType="Event"
    )
    sqs = aws(ctx, "sqs")
    got: dict[str, Any] = {}
    deadline = time.monotonic() + 60
    while not got.get("Messages") and time.monotonic() < deadline:
        got = sqs.receive_message(
            QueueUrl=url, MessageAttributeNames=["All"], VisibilityTimeout=0, WaitTimeSeconds=2
        )
    assert got.get("Messages"), "nothing reached the dead-letter queue"
    ctx.match("messages", parsed(got))
