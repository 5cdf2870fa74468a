"""DynamoDB Streams as a stream source: shards, iterators and records through boto3, and each
record as Lambda's DynamoDB event record (AttributeValues stay in their typed form, as Lambda
sends them)."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

from lamina.emulator.event_filter import passes
from lamina.emulator.stream_client import StreamClients


def _plain(value: Any) -> Any:
    """boto3's answer as JSON: datetimes as epoch seconds, binary values as base64."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


class DynamoDbSource:
    batch_info_key = "DDBStreamBatchInfo"

    def __init__(self, clients: StreamClients, arn: str) -> None:
        self.clients = clients
        self.arn = arn
        self.region = arn.split(":")[3]

    async def shards(self) -> list[str]:
        response = await self.clients.call(self.region, "describe_stream", StreamArn=self.arn)
        return [shard["ShardId"] for shard in response["StreamDescription"].get("Shards", [])]

    async def iterator(
        self, shard: str, position: str, after: str | None, timestamp: float | None
    ) -> str:
        params: dict[str, Any] = {"StreamArn": self.arn, "ShardId": shard}
        if after is not None:
            params.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=after)
        else:
            params["ShardIteratorType"] = position
        response = await self.clients.call(self.region, "get_shard_iterator", **params)
        return str(response["ShardIterator"])

    async def records(self, iterator: str, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        response = await self.clients.call(
            self.region, "get_records", ShardIterator=iterator, Limit=min(limit, 1000)
        )
        return list(response.get("Records", [])), response.get("NextShardIterator")

    @staticmethod
    def sequence(record: dict[str, Any]) -> str:
        return str(record["dynamodb"]["SequenceNumber"])

    @staticmethod
    def arrival(record: dict[str, Any]) -> float:
        return float(_plain(record["dynamodb"].get("ApproximateCreationDateTime")) or 0)

    @staticmethod
    def partition(record: dict[str, Any]) -> str:
        return json.dumps(_plain(record["dynamodb"].get("Keys", {})), sort_keys=True)

    def event_record(self, shard: str, record: dict[str, Any]) -> dict[str, Any]:
        event: dict[str, Any] = _plain(record)
        event.setdefault("eventSource", "aws:dynamodb")
        event.setdefault("awsRegion", self.region)
        event["eventSourceARN"] = self.arn
        return event

    def accepts(self, filters: tuple[str, ...], shard: str, record: dict[str, Any]) -> bool:
        return passes(filters, self.event_record(shard, record)) if filters else True
