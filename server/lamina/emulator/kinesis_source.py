"""Kinesis as a stream source: shards, iterators and records through boto3, and each record as
Lambda's Kinesis event record."""

from __future__ import annotations

import base64
import datetime
from typing import Any

from lamina.emulator.event_filter import kinesis_view, passes
from lamina.emulator.stream_client import StreamClients


def _epoch(value: Any) -> float:
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    return float(value or 0)


class KinesisSource:
    batch_info_key = "KinesisBatchInfo"

    def __init__(self, clients: StreamClients, arn: str) -> None:
        self.clients = clients
        self.arn = arn
        parts = arn.split(":")
        self.region, self.stream = parts[3], parts[5].split("/", 1)[1]

    async def shards(self) -> list[str]:
        response = await self.clients.call(self.region, "list_shards", StreamName=self.stream)
        return [shard["ShardId"] for shard in response.get("Shards", [])]

    async def iterator(
        self, shard: str, position: str, after: str | None, timestamp: float | None
    ) -> str:
        params: dict[str, Any] = {"StreamName": self.stream, "ShardId": shard}
        if after is not None:
            params.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=after)
        else:
            params["ShardIteratorType"] = position
            if timestamp is not None:
                params["Timestamp"] = datetime.datetime.fromtimestamp(
                    timestamp, datetime.timezone.utc
                )
        response = await self.clients.call(self.region, "get_shard_iterator", **params)
        return str(response["ShardIterator"])

    async def records(self, iterator: str, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        response = await self.clients.call(
            self.region, "get_records", ShardIterator=iterator, Limit=min(limit, 10000)
        )
        return list(response.get("Records", [])), response.get("NextShardIterator")

    @staticmethod
    def sequence(record: dict[str, Any]) -> str:
        return str(record["SequenceNumber"])

    @staticmethod
    def arrival(record: dict[str, Any]) -> float:
        return _epoch(record.get("ApproximateArrivalTimestamp"))

    @staticmethod
    def partition(record: dict[str, Any]) -> str:
        return str(record.get("PartitionKey", ""))

    def event_record(self, shard: str, record: dict[str, Any]) -> dict[str, Any]:
        data = record.get("Data", b"")
        raw = data.encode() if isinstance(data, str) else bytes(data)
        return {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": record.get("PartitionKey", ""),
                "sequenceNumber": record["SequenceNumber"],
                "data": base64.b64encode(raw).decode("ascii"),
                "approximateArrivalTimestamp": self.arrival(record),
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard}:{record['SequenceNumber']}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": f"arn:aws:iam::{self.arn.split(':')[4]}:role/lamina",
            "awsRegion": self.region,
            "eventSourceARN": self.arn,
        }

    def accepts(self, filters: tuple[str, ...], shard: str, record: dict[str, Any]) -> bool:
        return passes(filters, kinesis_view(self.event_record(shard, record))) if filters else True
