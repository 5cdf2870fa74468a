"""Which poller a stream mapping gets: Kinesis or DynamoDB Streams, each with its own clients."""

from __future__ import annotations

from lamina.emulator.api import Emulator
from lamina.emulator.dynamodb_source import DynamoDbSource
from lamina.emulator.kinesis_source import KinesisSource
from lamina.emulator.sqs_client import SqsClients
from lamina.emulator.stream_client import StreamClients
from lamina.emulator.stream_model import DYNAMODB, KINESIS
from lamina.emulator.stream_poller import StreamPoller, StreamSource


class StreamPollers:
    def __init__(self, fallback_endpoint: str | None) -> None:
        self.kinesis = StreamClients("kinesis", fallback_endpoint)
        self.dynamodb = StreamClients("dynamodbstreams", fallback_endpoint)

    def poller(self, uuid: str, emu: Emulator, sqs: SqsClients) -> StreamPoller | None:
        """The stream poller of a mapping; None for a queue mapping."""
        assert emu.mappings is not None
        mapping = emu.mappings.get(uuid)
        if mapping is None:
            return None
        source: StreamSource
        if mapping.source_kind == KINESIS:
            source = KinesisSource(self.kinesis, mapping.event_source_arn)
        elif mapping.source_kind == DYNAMODB:
            source = DynamoDbSource(self.dynamodb, mapping.event_source_arn)
        else:
            return None
        return StreamPoller(uuid, emu.mappings, emu.invoker, source, sqs, emu.invocation_log)
