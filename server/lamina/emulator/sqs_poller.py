"""The SQS poller of one event source mapping: Lambda's pull model, locally.

It long-polls the queue (ReceiveMessage, up to 10 messages a call) until it holds BatchSize
messages, or MaximumBatchingWindowInSeconds have passed since the first one arrived (with no
window: whatever the first receive brings), or 6 MB of bodies. It invokes the function once with
AWS's SQS event, then deletes the messages that succeeded: all of them on success; none on a
function error (they return to the queue after its visibility timeout); with
`FunctionResponseTypes: ["ReportBatchItemFailures"]`, all but the ones the function names in
`batchItemFailures` (an invalid answer fails the whole batch, as on AWS). One batch at a time.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from typing import Any

from lamina.emulator.batch_failures import failed_items
from lamina.emulator.destinations import sqs_queue
from lamina.emulator.errors import LambdaError
from lamina.emulator.esm_model import EventSourceMapping
from lamina.emulator.event_filter import passes, sqs_view
from lamina.emulator.event_sources import EventSourceMappings
from lamina.emulator.invocation_log import InvocationLog
from lamina.emulator.invoker import Invoker
from lamina.emulator.lookup import find_function
from lamina.emulator.sqs_client import LONG_POLL_S, SqsClients
from lamina.runtime.invocation import InvocationRequest

log = logging.getLogger("lamina.emulator.esm")

MAX_BATCH_BYTES = 6 * 1024 * 1024 - 64 * 1024  # the sync payload limit, less the envelope
MAX_BACKOFF_S = 30.0
THROTTLE_PAUSE_S = 1.0
SCALING_CHECK_S = 1.0
# A timer may fire a little early (uvloop counts whole milliseconds): a batching window with less
# than this left is over. Polling again in its last instant could receive, a second time, a
# message whose visibility timeout (as long as the window) has just run out.
WINDOW_SLACK_S = 0.005


def sqs_record(
    message: dict[str, Any], arn: str, region: str, windowed: bool = True
) -> dict[str, Any]:
    """One message as Lambda's SQS event record.

    A message without attributes has `md5OfMessageAttributes: null` when the mapping has a
    batching window and no such key without one: AWS's recordings of the same day show both,
    and that is the line between them (docs/emulator.md)."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfMessageAttributes": message.get("MD5OfMessageAttributes") or None,
        "md5OfBody": message.get("MD5OfBody", ""),
    }
    if record["md5OfMessageAttributes"] is None and not windowed:
        del record["md5OfMessageAttributes"]
    record.update({"eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": region})
    return record


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = _b64(value["BinaryValue"])
    out["stringListValues"] = list(value.get("StringListValues", []))
    out["binaryListValues"] = [_b64(v) for v in value.get("BinaryListValues", [])]
    out["dataType"] = value.get("DataType", "String")
    return out


def _b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


class SqsPoller:
    def __init__(
        self,
        uuid: str,
        mappings: EventSourceMappings,
        invoker: Invoker,
        sqs: SqsClients,
        invocation_log: InvocationLog,
    ) -> None:
        self.uuid = uuid
        self.mappings = mappings
        self.invoker = invoker
        self.sqs = sqs
        self.invocation_log = invocation_log
        self._problem = ""

    def _current(self) -> EventSourceMapping | None:
        mapping = self.mappings.get(self.uuid)
        return mapping if mapping is not None and mapping.enabled else None

    def _wanted(self, index: int) -> EventSourceMapping | None:
        """The mapping, while worker `index` is within ScalingConfig's MaximumConcurrency."""
        mapping = self._current()
        if mapping is None or index >= (mapping.max_concurrency or 1):
            return None
        return mapping

    async def run(self) -> None:
        """One worker per concurrent batch: ScalingConfig's MaximumConcurrency of them (one
        without it, so batches stay in queue order locally); an update takes effect within a
        second."""
        workers: dict[int, asyncio.Task[None]] = {}
        try:
            while (mapping := self._current()) is not None:
                for index in range(mapping.max_concurrency or 1):
                    if index not in workers or workers[index].done():
                        workers[index] = asyncio.get_running_loop().create_task(self._work(index))
                await asyncio.sleep(SCALING_CHECK_S)
            # Disabled or deleted: each worker ends after the batch in hand.
            await asyncio.gather(*workers.values(), return_exceptions=True)
        finally:  # cancelled (the emulator stops)
            for task in workers.values():
                task.cancel()
            await asyncio.gather(*workers.values(), return_exceptions=True)

    async def _work(self, index: int) -> None:
        backoff = 1.0
        while (mapping := self._wanted(index)) is not None:
            try:
                await self._poll(mapping)
                backoff = 1.0
            except Exception as e:
                self._report(f"PROBLEM: {type(e).__name__}: {e}")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)

    def _report(self, result: str) -> None:
        self.mappings.record_result(self.uuid, result)
        if result.startswith("PROBLEM") and result != self._problem:
            log.warning("event source mapping %s: %s", self.uuid, result)
        self._problem = result if result.startswith("PROBLEM") else ""

    async def _poll(self, mapping: EventSourceMapping) -> None:
        if self.invoker.store.get(mapping.function_name) is None:
            # Don't take messages for a function that isn't there (it may be deployed soon).
            self._report(f"PROBLEM: Function not found: {mapping.function_name}")
            await asyncio.sleep(THROTTLE_PAUSE_S * 5)
            return
        region, account, name = sqs_queue(mapping.event_source_arn)
        url = await self.sqs.url(region, account, name)
        messages = await self._collect(mapping, region, url)
        if messages:
            # An update made during the long poll (a new FunctionName, filters) applies to the
            # batch in hand, as on AWS once the mapping is Enabled again.
            await self._process(self.mappings.get(self.uuid) or mapping, region, url, messages)

    async def _collect(
        self, mapping: EventSourceMapping, region: str, url: str
    ) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        size = 0
        deadline: float | None = None
        while len(batch) < mapping.batch_size and size < MAX_BATCH_BYTES:
            wait = LONG_POLL_S
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= WINDOW_SLACK_S:
                    break
                wait = min(LONG_POLL_S, int(remaining))  # 0 below a second: a short poll
            response = await self.sqs.long_poll(
                region,
                QueueUrl=url,
                MaxNumberOfMessages=min(10, mapping.batch_size - len(batch)),
                WaitTimeSeconds=wait,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            received = response.get("Messages") or []
            for message in received:
                # A message whose visibility timeout ran out inside the window comes again: it
                # is one record, with the newest receipt handle (the older no longer deletes).
                again = next(
                    (i for i, m in enumerate(batch) if m["MessageId"] == message["MessageId"]),
                    None,
                )
                if again is None:
                    batch.append(message)
                    size += len(message.get("Body", ""))
                else:
                    batch[again] = message
            if not batch:
                break  # nothing yet: the caller reads the mapping again and polls again
            if not mapping.window_s:
                break
            if deadline is None:
                deadline = time.monotonic() + mapping.window_s
            if not received and wait == 0:
                await asyncio.sleep(max(0.0, min(0.2, deadline - time.monotonic())))
        return batch

    async def _process(
        self, mapping: EventSourceMapping, region: str, url: str, messages: list[dict[str, Any]]
    ) -> None:
        invoker = self.invoker
        arn = mapping.event_source_arn
        windowed = bool(mapping.window_s)
        records = [sqs_record(m, arn, region, windowed) for m in messages]
        if mapping.filters:
            # Messages no filter accepts are deleted unseen, as Lambda does.
            kept = [passes(mapping.filters, sqs_view(r)) for r in records]
            await self._delete(
                region, url, [m for m, k in zip(messages, kept, strict=True) if not k]
            )
            messages = [m for m, k in zip(messages, kept, strict=True) if k]
            records = [r for r, k in zip(records, kept, strict=True) if k]
            if not messages:
                self._report("OK")
                return
        event = {"Records": records}
        try:
            state, qualifier = find_function(
                invoker.store, invoker.arns, mapping.function_name, mapping.qualifier
            )
            target = invoker.target(state, qualifier)
            invoker.check_invocable(target, time.time())
            invoker.admit(state)  # no await between this and invoke
        except LambdaError as e:
            # Throttled or not ready: the messages return to the queue after its visibility
            # timeout, as on AWS.
            self._report(f"PROBLEM: {e.message}")
            await asyncio.sleep(THROTTLE_PAUSE_S)
            return
        request = InvocationRequest(
            payload=json.dumps(event).encode(), invoked_function_arn=target.invoked_arn
        )
        started = time.perf_counter()
        result = await invoker.invoke(target, request)
        self.invocation_log.invoked(
            state.name, f"SQS({len(messages)})", result, (time.perf_counter() - started) * 1000
        )
        ids = {m["MessageId"] for m in messages}
        if not result.ok:
            failed = ids
        elif mapping.reports_item_failures:
            failed = failed_items(result, ids)
        else:
            failed = set()
        await self._delete(region, url, [m for m in messages if m["MessageId"] not in failed])
        self._report("OK" if result.ok else "PROBLEM: Function call failed")

    async def _delete(self, region: str, url: str, done: list[dict[str, Any]]) -> None:
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done[start : start + 10])
            ]
            response = await self.sqs.call(
                region, "delete_message_batch", QueueUrl=url, Entries=entries
            )
            for failure in response.get("Failed") or []:
                log.warning(
                    "event source mapping %s: deleting a message failed: %s",
                    self.uuid,
                    failure.get("Message", failure),
                )
