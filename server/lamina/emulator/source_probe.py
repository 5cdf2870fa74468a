"""CreateEventSourceMapping on a queue or stream that does not exist: AWS refuses it at once, with
the answer its poller got (recorded: test_esm_with_not_existing_{sqs_queue,kinesis_stream,
dynamodb_stream}).

The emulator asks the source's endpoint once, on create. Only a definite "no such queue/stream"
refuses the mapping; any other failure (no endpoint reachable, no credentials) lets it be
created, and its poller reports the problem later, as before. With no local endpoint configured
(the source would be AWS itself) nothing is asked, so creating a mapping never waits on the
network or the developer's credential chain.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lamina.emulator.errors import invalid
from lamina.emulator.esm_model import EventSourceMapping
from lamina.emulator.sqs_client import SqsClients
from lamina.emulator.stream_client import StreamClients
from lamina.emulator.stream_model import DYNAMODB, KINESIS

log = logging.getLogger("lamina.emulator.esm")

NO_QUEUE = (
    "Error occurred while ReceiveMessage. SQS Error Code: "
    "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not "
    "exist."
)
QUEUE_GONE_CODES = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}
STREAM_GONE_CODES = {"ResourceNotFoundException"}


class SourceProbe:
    def __init__(self, sqs: SqsClients, kinesis: StreamClients, dynamodb: StreamClients) -> None:
        self.sqs = sqs
        self.kinesis = kinesis
        self.dynamodb = dynamodb

    async def check(self, mapping: EventSourceMapping) -> None:
        """Raise AWS's InvalidParameterValueException when the source certainly does not exist."""
        arn = mapping.event_source_arn
        region, account, resource = _parts(arn)
        if mapping.source_kind == KINESIS:
            if self.kinesis.endpoint and await _gone(
                self.kinesis.client,
                region,
                "describe_stream_summary",
                STREAM_GONE_CODES,
                StreamARN=arn,
            ):
                raise invalid(f"Stream not found: {arn}")
        elif mapping.source_kind == DYNAMODB:
            if self.dynamodb.endpoint and await _gone(
                self.dynamodb.client, region, "describe_stream", STREAM_GONE_CODES, StreamArn=arn
            ):
                raise invalid(f"Stream not found: {arn}")
        elif self.sqs.endpoint and await _gone(
            self.sqs.client,
            region,
            "get_queue_url",
            QUEUE_GONE_CODES,
            QueueName=resource,
            QueueOwnerAWSAccountId=account,
        ):
            raise invalid(NO_QUEUE)


def _parts(arn: str) -> tuple[str, str, str]:
    """(region, account, resource) of arn:partition:service:region:account:resource."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return "", "", ""
    return parts[3], parts[4], parts[5]


async def _gone(
    client_of: Any, region: str, operation: str, codes: set[str], **params: Any
) -> bool:
    def run() -> bool:
        from botocore.exceptions import ClientError

        try:
            getattr(client_of(region), operation)(**params)
        except ClientError as e:
            return str(e.response.get("Error", {}).get("Code")) in codes
        return False

    try:
        return await asyncio.to_thread(run)
    except Exception as e:  # unreachable, no credentials: the poller will say
        log.info("could not check the event source (%s): %s", operation, e)
        return False
