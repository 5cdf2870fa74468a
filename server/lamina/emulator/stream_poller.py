"""The poller of one Kinesis or DynamoDB Streams mapping: Lambda's stream model, locally.

One task per shard reads records in order from StartingPosition (or from the checkpoint, kept in
SQLite, after a restart), up to BatchSize or until MaximumBatchingWindowInSeconds has passed, and
invokes the function with them. With ParallelizationFactor N the batch is split into N lanes by
partition key (hash), run at once, each in order, so records with one key stay in order. A
failed batch is retried:
- with BisectBatchOnFunctionError, a failed batch of two or more records is split in halves,
  which are retried in order (a split is not a retry attempt, so a poison record ends up alone);
- a failing batch that can't be split is retried up to MaximumRetryAttempts (-1: until it
  succeeds or its records expire), then it goes to the OnFailure destination with AWS's record
  (condition RetryAttemptsExhausted), and the shard moves on;
- records older than MaximumRecordAgeInSeconds are skipped to the destination (RecordAgeExceeded);
- with ReportBatchItemFailures, the batch is retried from the first failed sequence number
  (a new batch when that is not the first record: its retries are counted afresh).
The checkpoint advances only past records that succeeded or went to the destination.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import sqlite3
import time
import uuid
import zlib
from typing import Any, Protocol

from lamina.emulator.batch_failures import failed_items
from lamina.emulator.errors import LambdaError
from lamina.emulator.esm_model import EventSourceMapping
from lamina.emulator.event_sources import EventSourceMappings
from lamina.emulator.invocation_log import InvocationLog
from lamina.emulator.invoker import Invoker
from lamina.emulator.lookup import find_function
from lamina.emulator.sqs_client import SqsClients
from lamina.emulator.stream_failures import send_failure
from lamina.runtime.invocation import InvocationRequest, InvocationResult

log = logging.getLogger("lamina.emulator.esm")

SCHEMA = """
CREATE TABLE IF NOT EXISTS stream_checkpoints (
    uuid TEXT NOT NULL,
    shard TEXT NOT NULL,
    sequence TEXT NOT NULL,
    PRIMARY KEY (uuid, shard)
);
"""
IDLE_S = 0.2  # between empty reads of a shard
SETTLE_S = 0.02  # before the read that ends a batch without a window
# Before a failed batch is tried again: 0.5 s, doubling. AWS's recording of a record that kept
# failing for its 60 s MaximumRecordAgeInSeconds shows approximateInvokeCount 8 (docs/emulator.md).
RETRY_S = 0.5
MAX_RETRY_S = 60.0


class StreamSource(Protocol):
    batch_info_key: str
    arn: str

    async def shards(self) -> list[str]: ...
    async def iterator(
        self, shard: str, position: str, after: str | None, timestamp: float | None
    ) -> str: ...
    async def records(
        self, iterator: str, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]: ...
    def sequence(self, record: dict[str, Any]) -> str: ...
    def arrival(self, record: dict[str, Any]) -> float: ...
    def partition(self, record: dict[str, Any]) -> str: ...
    def event_record(self, shard: str, record: dict[str, Any]) -> dict[str, Any]: ...
    def accepts(self, filters: tuple[str, ...], shard: str, record: dict[str, Any]) -> bool: ...


def _iso(epoch: float) -> str:
    moment = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class StreamPoller:
    def __init__(
        self,
        uuid: str,
        mappings: EventSourceMappings,
        invoker: Invoker,
        source: StreamSource,
        sqs: SqsClients,
        invocation_log: InvocationLog,
    ) -> None:
        self.uuid = uuid
        self.mappings = mappings
        self.invoker = invoker
        self.source = source
        self.sqs = sqs
        self.invocation_log = invocation_log

    def _current(self) -> EventSourceMapping | None:
        mapping = self.mappings.get(self.uuid)
        return mapping if mapping is not None and mapping.enabled else None

    async def run(self) -> None:
        db = self.mappings.db
        await asyncio.to_thread(db.ensure_schema, SCHEMA)
        backoff = 1.0
        while self._current() is not None:
            try:
                shards = await self.source.shards()
                break
            except Exception as e:
                self.mappings.record_result(self.uuid, f"PROBLEM: {type(e).__name__}: {e}")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
        else:
            return
        await asyncio.gather(*(self._shard(shard) for shard in shards))

    # --- checkpoints ----------------------------------------------------------------------------

    async def _checkpoint(self, shard: str) -> str | None:
        rows = await asyncio.to_thread(
            self.mappings.db.query,
            "SELECT sequence FROM stream_checkpoints WHERE uuid = ? AND shard = ?",
            (self.uuid, shard),
        )
        return str(rows[0][0]) if rows else None

    async def _save(self, shard: str, sequence: str) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO stream_checkpoints (uuid, shard, sequence) VALUES (?, ?, ?) "
                "ON CONFLICT(uuid, shard) DO UPDATE SET sequence = excluded.sequence",
                (self.uuid, shard, sequence),
            )

        await self.mappings.db.run_async(work)

    # --- one shard ------------------------------------------------------------------------------

    async def _shard(self, shard: str) -> None:
        mapping = self._current()
        if mapping is None:
            return
        after = await self._checkpoint(shard)
        iterator: str | None = await self.source.iterator(
            shard, mapping.starting_position or "LATEST", after, mapping.starting_timestamp
        )
        while iterator is not None and (mapping := self._current()) is not None:
            batch, iterator = await self._read_batch(mapping, iterator)
            if not batch:
                await asyncio.sleep(IDLE_S)  # no window: do not spin on an idle shard
                continue
            if self._current() is None:
                # Disabled (or deleted) while this batch was read: it stays unread, from the
                # checkpoint, for when the mapping is enabled again.
                return
            # Records no filter accepts are skipped, as Lambda does.
            wanted = [r for r in batch if self.source.accepts(mapping.filters, shard, r)]
            if wanted:
                await self._lanes(mapping, shard, wanted)
            await self._save(shard, self.source.sequence(batch[-1]))

    async def _read_batch(
        self, mapping: EventSourceMapping, iterator: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One batch's records, up to BatchSize: with a window, those that come within
        MaximumBatchingWindowInSeconds of the first one; without, those that keep coming (a
        PutRecords seen half-written is one batch, as AWS delivers it) until a read, and one
        more a moment later (moto writes a PutRecords one record at a time), find none."""
        batch: list[dict[str, Any]] = []
        deadline = 0.0
        settled = False
        while iterator is not None and len(batch) < mapping.batch_size:
            records, iterator = await self.source.records(iterator, mapping.batch_size - len(batch))
            if records and not batch:
                deadline = time.monotonic() + mapping.window_s
            batch.extend(records)
            if records:
                if mapping.window_s and time.monotonic() >= deadline:
                    break
                continue
            if not batch:
                break  # an idle shard: the caller waits
            if not mapping.window_s:
                if settled:
                    break
                settled = True
                await asyncio.sleep(SETTLE_S)
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                break
            await asyncio.sleep(min(IDLE_S, left))
        return batch, iterator

    async def _lanes(
        self, mapping: EventSourceMapping, shard: str, batch: list[dict[str, Any]]
    ) -> None:
        lanes: list[list[dict[str, Any]]] = [[] for _ in range(mapping.parallelization)]
        for record in batch:
            key = self.source.partition(record).encode()
            lanes[zlib.crc32(key) % len(lanes)].append(record)
        await asyncio.gather(*(self._deliver(mapping, shard, lane) for lane in lanes if lane))

    async def _deliver(
        self, mapping: EventSourceMapping, shard: str, records: list[dict[str, Any]]
    ) -> None:
        """Deliver records in order, bisecting, retrying and discarding as the mapping says."""
        pending: list[tuple[list[dict[str, Any]], int]] = [(records, 0)]
        last: tuple[InvocationResult, str] | None = None
        while pending:
            batch, attempts = pending.pop(0)
            if mapping.max_record_age >= 0:
                oldest = time.time() - mapping.max_record_age
                expired = [r for r in batch if self.source.arrival(r) < oldest]
                if expired:
                    await self._discard(
                        mapping, shard, expired, "RecordAgeExceeded", attempts + 1, last
                    )
                    batch = [r for r in batch if self.source.arrival(r) >= oldest]
                    if not batch:
                        continue
            invoked = await self._invoke(mapping, shard, batch)
            if invoked is None:  # throttled or not there: the same batch again, no attempt used
                pending.insert(0, (batch, attempts))
                await asyncio.sleep(1.0)
                continue
            last = invoked
            failed_from = self._failed_from(mapping, batch, invoked[0])
            if failed_from is None:
                self.mappings.record_result(self.uuid, "OK")
                continue
            self.mappings.record_result(self.uuid, "PROBLEM: Function call failed")
            batch = batch[failed_from:]
            if failed_from:
                # The records before the first failed one succeeded: the rest is a new batch,
                # with retries of its own (AWS's recordings: approximateInvokeCount counts them).
                pending.insert(0, (batch, 0))
                continue
            if mapping.bisect and len(batch) > 1:
                half = len(batch) // 2
                pending[0:0] = [(batch[:half], attempts), (batch[half:], attempts)]
            elif mapping.max_retries >= 0 and attempts >= mapping.max_retries:
                await self._discard(
                    mapping, shard, batch, "RetryAttemptsExhausted", attempts + 1, last
                )
            else:
                pending.insert(0, (batch, attempts + 1))
                await asyncio.sleep(min(RETRY_S * 2**attempts, MAX_RETRY_S))

    def _failed_from(
        self, mapping: EventSourceMapping, batch: list[dict[str, Any]], result: InvocationResult
    ) -> int | None:
        """Where the batch failed (0: all of it), or None if it succeeded."""
        if not result.ok:
            return 0
        if not mapping.reports_item_failures:
            return None
        sequences = [self.source.sequence(r) for r in batch]
        failed = failed_items(result, set(sequences))
        if not failed:
            return None
        return min(sequences.index(s) for s in failed)

    async def _invoke(
        self, mapping: EventSourceMapping, shard: str, batch: list[dict[str, Any]]
    ) -> tuple[InvocationResult, str] | None:
        """The result and the invoked ARN; None if the function can't be invoked now."""
        invoker = self.invoker
        try:
            state, qualifier = find_function(
                invoker.store, invoker.arns, mapping.function_name, mapping.qualifier
            )
            target = invoker.target(state, qualifier)
            invoker.check_invocable(target, time.time())
            invoker.admit(state)  # no await between this and invoke
        except LambdaError as e:
            self.mappings.record_result(self.uuid, f"PROBLEM: {e.message}")
            return None
        event = {"Records": [self.source.event_record(shard, r) for r in batch]}
        request = InvocationRequest(
            payload=json.dumps(event).encode(),
            invoked_function_arn=target.invoked_arn,
        )
        started = time.perf_counter()
        result = await invoker.invoke(target, request)
        kind = mapping.source_kind.capitalize()
        self.invocation_log.invoked(
            state.name, f"{kind}({len(batch)})", result, (time.perf_counter() - started) * 1000
        )
        return result, target.invoked_arn

    async def _discard(
        self,
        mapping: EventSourceMapping,
        shard: str,
        batch: list[dict[str, Any]],
        condition: str,
        invokes: int,
        last: tuple[InvocationResult, str] | None,
    ) -> None:
        log.warning(
            "event source mapping %s: %d record(s) of %s discarded (%s)",
            self.uuid,
            len(batch),
            shard,
            condition,
        )
        if mapping.on_failure is None:
            return
        result, function_arn = last if last is not None else (None, "")
        first, final = batch[0], batch[-1]
        record: dict[str, Any] = {
            "requestContext": {
                "requestId": result.request_id if result is not None else str(uuid.uuid4()),
                "functionArn": function_arn
                or self.invoker.arns.function(mapping.function_name, mapping.qualifier),
                "condition": condition,
                "approximateInvokeCount": invokes,
            },
        }
        if condition != "RecordAgeExceeded":  # AWS's record of an expired one has none
            record["responseContext"] = {
                "statusCode": 200,
                "executedVersion": mapping.qualifier or "$LATEST",
                # null without one, as AWS records it
                "functionError": result.function_error if result is not None else None,
            }
        record |= {
            "version": "1.0",
            "timestamp": _iso(time.time()),
            self.source.batch_info_key: {
                "shardId": shard,
                "startSequenceNumber": self.source.sequence(first),
                "endSequenceNumber": self.source.sequence(final),
                "approximateArrivalOfFirstRecord": _iso(self.source.arrival(first)),
                "approximateArrivalOfLastRecord": _iso(self.source.arrival(final)),
                "batchSize": len(batch),
                "streamArn": self.source.arn,
            },
        }
        event = {"Records": [self.source.event_record(shard, r) for r in batch]}
        try:
            await send_failure(
                mapping.on_failure,
                record,
                event,
                self.sqs,
                self.uuid,
                shard,
                self.invoker.arns.region,
            )
        except Exception as e:
            log.warning(
                "event source mapping %s: the OnFailure destination failed: %s", self.uuid, e
            )
