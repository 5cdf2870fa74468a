"""The asynchronous invocation queue (InvocationType=Event), as AWS runs it.

An accepted event is committed to SQLite (async_journal) before the API answers 202, and leaves
the table in the transaction that records its end, so it survives a restart, and one whose
success was recorded never runs again. Workers (a bounded number of tasks on the emulator's
loop) take due events in order and invoke the function through the Invoker, so reserved
concurrency, aliases and `--debug` apply as to any invoke.

Per event, with the function's PutFunctionEventInvokeConfig for the qualifier it was sent to:
- a function error (or timeout, or crash) is retried up to MaximumRetryAttempts times (2 by
  default), after `retry_delays` (AWS: about 1 then 2 minutes; `--async-retry-delays` shortens
  them); then the event goes to the OnFailure destination with condition RetriesExhausted;
- an event older than MaximumEventAgeInSeconds (6 h by default) is discarded to OnFailure with
  EventAgeExceeded. One whose next retry could only start after that age is discarded right away
  rather than held until it expires (AWS would send the same record, later);
- a throttled event (reserved concurrency) is tried again with backoff, not counted as an attempt;
- a success goes to the OnSuccess destination, if any (condition Success).
"""

from __future__ import annotations

import asyncio
import dataclasses
import heapq
import json
import logging
import time
from collections import deque
from dataclasses import dataclass

from lamina.bounded_wait import wait_event
from lamina.emulator.async_journal import AsyncJournal, QueuedEvent
from lamina.emulator.destinations import (
    EVENT_AGE_EXCEEDED,
    RETRIES_EXHAUSTED,
    SUCCESS,
    dead_letter,
    delivery,
    invocation_record,
    is_queue_destination,
    queue_attributes,
    sqs_queue,
)
from lamina.emulator.errors import LambdaError
from lamina.emulator.event_invoke import AsyncEvent
from lamina.emulator.invocation_log import InvocationLog
from lamina.emulator.invoker import Invoker
from lamina.emulator.lookup import find_function
from lamina.emulator.model import DEFAULT_EVENT_INVOKE, LATEST, EventInvokeConfig, FunctionState
from lamina.emulator.sqs_client import SqsClients
from lamina.runtime.invocation import InvocationRequest, InvocationResult

log = logging.getLogger("lamina.emulator.async")

AWS_RETRY_DELAYS = (60.0, 120.0)
MAX_THROTTLE_BACKOFF_S = 300.0
# Lambda stops a loop after about 16 invocations of one chain (its docs' figure).
RECURSION_LIMIT = 16
TERMINATE = "Terminate"
PAYLOADS_IN_MEMORY = 64 * 1024 * 1024  # beyond this, queued payloads are read back from disk


@dataclass(frozen=True)
class AsyncSettings:
    retry_delays: tuple[float, ...] = AWS_RETRY_DELAYS
    workers: int = 16

    def retry_delay(self, failed_attempts: int) -> float:
        delays = self.retry_delays or AWS_RETRY_DELAYS
        return delays[min(failed_attempts, len(delays)) - 1]

    def throttle_delay(self, throttles: int) -> float:
        base = min(1.0, (self.retry_delays or AWS_RETRY_DELAYS)[0])
        return float(min(base * 2 ** min(throttles - 1, 20), MAX_THROTTLE_BACKOFF_S))


def event_invoke_config(state: FunctionState, qualifier: str | None) -> EventInvokeConfig:
    return state.event_invoke.get(qualifier or LATEST, DEFAULT_EVENT_INVOKE)


class AsyncEventQueue:
    def __init__(
        self,
        invoker: Invoker,
        journal: AsyncJournal,
        invocation_log: InvocationLog,
        sqs: SqsClients,
        settings: AsyncSettings | None = None,
    ) -> None:
        self.invoker = invoker
        self.journal = journal
        self.invocation_log = invocation_log
        self.sqs = sqs
        self.settings = settings or AsyncSettings()
        self._events: dict[int, QueuedEvent] = {}
        self._ready: deque[QueuedEvent] = deque()
        self._delayed: list[tuple[float, int]] = []  # (due_at, id), a heap
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(max(1, self.settings.workers))
        self._payload_bytes = 0
        self._dispatcher: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    # --- life -----------------------------------------------------------------------------------

    async def start(self) -> None:
        for queued in await asyncio.to_thread(self.journal.open):
            self._track(queued)
        if self._events:
            log.info("async queue: %d event(s) from before the restart", len(self._events))
        self._dispatcher = asyncio.get_running_loop().create_task(self._dispatch())
        self._dispatcher.add_done_callback(_log_failure)

    async def close(self) -> None:
        tasks = [t for t in (self._dispatcher, *self._running) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.journal.close()

    def pending(self) -> int:
        return len(self._events)

    # --- accepting ------------------------------------------------------------------------------

    async def submit(self, event: AsyncEvent) -> None:
        event_id = await self.journal.add(event)
        self._accept(event_id, event)

    def _accept(self, event_id: int, event: AsyncEvent) -> None:
        keep = self._payload_bytes + len(event.payload) <= PAYLOADS_IN_MEMORY
        self._track(QueuedEvent.accepted(event_id, event, keep))

    def _track(self, queued: QueuedEvent) -> None:
        self._events[queued.id] = queued
        if queued.payload is not None:
            self._payload_bytes += len(queued.payload)
        self._schedule(queued)

    def _forget(self, queued: QueuedEvent) -> None:
        self._events.pop(queued.id, None)
        if queued.payload is not None:
            self._payload_bytes -= len(queued.payload)
            queued.payload = None

    def _schedule(self, queued: QueuedEvent) -> None:
        if queued.due_at <= time.time():
            self._ready.append(queued)
        else:
            heapq.heappush(self._delayed, (queued.due_at, queued.id))
        self._wake.set()

    # --- dispatching ----------------------------------------------------------------------------

    async def _dispatch(self) -> None:
        while True:
            await self._slots.acquire()
            try:
                queued = await self._next_due()
            except BaseException:
                self._slots.release()
                raise
            task = asyncio.get_running_loop().create_task(self._run(queued))
            self._running.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._slots.release()
        _log_failure(task)

    async def _next_due(self) -> QueuedEvent:
        while True:
            now = time.time()
            while self._delayed and self._delayed[0][0] <= now:
                due, event_id = heapq.heappop(self._delayed)
                queued = self._events.get(event_id)
                if queued is not None and queued.due_at == due:  # else a stale entry
                    self._ready.append(queued)
            if self._ready:
                return self._ready.popleft()
            self._wake.clear()
            timeout = self._delayed[0][0] - now if self._delayed else None
            await wait_event(self._wake, timeout)  # close()'s cancel must end this loop

    async def _run(self, queued: QueuedEvent) -> None:
        try:
            if is_queue_destination(queued.function_name):
                await self._send_to_queue(queued)
            else:
                await self._attempt(queued)
        except Exception:
            # A bug or a write error: keep the event, and try again later.
            log.exception("async event %s for %s failed", queued.request_id, queued.function_name)
            if queued.id in self._events:
                queued.due_at = time.time() + self.settings.retry_delay(1)
                self._schedule(queued)

    # --- one attempt ----------------------------------------------------------------------------

    async def _attempt(self, queued: QueuedEvent) -> None:
        invoker = self.invoker
        try:
            state, qualifier = find_function(
                invoker.store, invoker.arns, queued.function_name, queued.qualifier
            )
            target = invoker.target(state, qualifier)
        except LambdaError as e:
            self.invocation_log.line(
                f"event {queued.request_id} for {queued.function_name} dropped: {e.message}"
            )
            await self._finish(queued, ())
            return
        if queued.chain >= RECURSION_LIMIT and state.recursive_loop == TERMINATE:
            self.invocation_log.line(
                f"event {queued.request_id} for {state.name} stopped: a recursive loop "
                f"({queued.chain} invocations through destinations; RecursiveLoop: Terminate)"
            )
            await self._finish(queued, ())
            return
        config = event_invoke_config(state, qualifier)
        now = time.time()
        if now - queued.accepted_at >= config.age_limit_s:
            await self._give_up(queued, state, config, EVENT_AGE_EXCEEDED)
            return
        payload = await self._payload(queued)
        if payload is None:
            return
        try:
            invoker.check_invocable(target, time.time())
            invoker.admit(state)  # no await between this and invoke
        except LambdaError:
            self._throttled(queued, config)
            return
        request = InvocationRequest(
            payload=payload,
            request_id=queued.request_id,
            client_context=queued.client_context,
            invoked_function_arn=target.invoked_arn,
            tenant_id=queued.tenant_id,
        )
        started = time.perf_counter()
        try:
            result = await invoker.invoke(target, request)
        except LambdaError as e:  # Lamina could not run it: a failed attempt, as on AWS
            result = service_error(queued.request_id, target.config.version, e)
        queued.attempts += 1
        kind = "Event" if queued.attempts == 1 else f"Event (retry {queued.attempts - 1})"
        self.invocation_log.invoked(
            state.name, kind, result, (time.perf_counter() - started) * 1000
        )
        queued.last_result = dataclasses.replace(result, logs="")  # the record needs no logs
        if result.ok:
            await self._succeed(queued, state, config, payload, result)
        elif queued.attempts > config.retries:
            await self._give_up(queued, state, config, RETRIES_EXHAUSTED)
        else:
            due = time.time() + self.settings.retry_delay(queued.attempts)
            if due - queued.accepted_at >= config.age_limit_s:
                await self._give_up(queued, state, config, EVENT_AGE_EXCEEDED)
                return
            await self.journal.reschedule(queued.id, queued.attempts, due)
            queued.due_at = due
            self._schedule(queued)

    def _throttled(self, queued: QueuedEvent, config: EventInvokeConfig) -> None:
        """Throttled (or the function is not ready): try again later, up to the age limit."""
        queued.throttles += 1
        expires = queued.accepted_at + config.age_limit_s
        queued.due_at = min(time.time() + self.settings.throttle_delay(queued.throttles), expires)
        self._schedule(queued)

    async def _payload(self, queued: QueuedEvent) -> bytes | None:
        if queued.payload is not None:
            return queued.payload
        payload = await self.journal.payload(queued.id)
        if payload is None:  # gone from disk: nothing to run
            self._forget(queued)
        return payload

    # --- endings --------------------------------------------------------------------------------

    async def _succeed(
        self,
        queued: QueuedEvent,
        state: FunctionState,
        config: EventInvokeConfig,
        payload: bytes,
        result: InvocationResult,
    ) -> None:
        follow: tuple[AsyncEvent, ...] = ()
        if config.on_success:
            record = self._record(queued, state, SUCCESS, payload)
            follow = (self._onward(queued, config.on_success, record),)
        await self._finish(queued, follow)

    async def _give_up(
        self,
        queued: QueuedEvent,
        state: FunctionState,
        config: EventInvokeConfig,
        condition: str,
    ) -> None:
        destination = config.on_failure
        follow: tuple[AsyncEvent, ...] = ()
        # The DeadLetterConfig of the version that ran gets the event too (an SQS queue).
        ran = queued.last_result.executed_version if queued.last_result else None
        dead = state.versions.get(ran or "", state.latest).echoed_dict().get("DeadLetterConfig")
        dead_arn = dead.get("TargetArn") if isinstance(dead, dict) else None
        payload = b""
        if destination or dead_arn:
            payload = await self._payload(queued) or b""
        if destination:
            record = self._record(queued, state, condition, payload)
            follow = (self._onward(queued, destination, record),)
        letter = dead_letter(dead_arn, payload, queued.request_id, queued.last_result)
        if letter is not None:
            follow = (*follow, letter)
        self.invocation_log.line(
            f"event {queued.request_id} for {state.name} discarded ({condition}, "
            f"{queued.attempts} attempt(s))" + (f"; sent to {destination}" if destination else "")
        )
        await self._finish(queued, follow)

    @staticmethod
    def _onward(queued: QueuedEvent, destination: str, record: dict[str, object]) -> AsyncEvent:
        """The follow-up event to a destination, one hop further along its chain."""
        return dataclasses.replace(delivery(destination, record), chain=queued.chain + 1)

    def _record(
        self, queued: QueuedEvent, state: FunctionState, condition: str, payload: bytes
    ) -> dict[str, object]:
        result = queued.last_result
        version = result.executed_version if result is not None else (queued.qualifier or LATEST)
        return invocation_record(
            self.invoker.arns,
            function_name=state.name,
            version=version,
            request_id=queued.request_id,
            condition=condition,
            invoke_count=queued.attempts,
            payload=payload,
            result=result,
        )

    async def _finish(self, queued: QueuedEvent, follow: tuple[AsyncEvent, ...]) -> None:
        ids = await self.journal.finish(queued.id, follow)
        self._forget(queued)
        for event_id, event in zip(ids, follow, strict=True):
            self._accept(event_id, event)

    # --- SQS destinations -----------------------------------------------------------------------

    async def _send_to_queue(self, queued: QueuedEvent) -> None:
        payload = await self._payload(queued)
        if payload is None:
            return
        region, account, name = sqs_queue(queued.function_name)
        try:
            await self.sqs.send(
                region,
                account,
                name,
                payload.decode("utf-8", "replace"),
                queue_attributes(queued.client_context),
            )
        except Exception as e:
            queued.attempts += 1
            if time.time() - queued.accepted_at >= DEFAULT_EVENT_INVOKE.age_limit_s:
                self.invocation_log.line(f"destination {name}: gave up sending a record: {e}")
                await self._finish(queued, ())
                return
            log.warning("destination %s: sending a record failed (%s); will retry", name, e)
            due = time.time() + self.settings.retry_delay(min(queued.attempts, 2))
            await self.journal.reschedule(queued.id, queued.attempts, due)
            queued.due_at = due
            self._schedule(queued)
            return
        await self._finish(queued, ())


def service_error(request_id: str, version: str, error: LambdaError) -> InvocationResult:
    body = {"errorType": error.code, "errorMessage": error.message}
    return InvocationResult(
        request_id=request_id,
        ok=False,
        payload=json.dumps(body).encode(),
        error=body,
        executed_version=version,
    )


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the async queue failed", exc_info=task.exception())
