"""The async queue's durable half: one SQLite table of the events not yet done, written with
group commit.

Every change is one transaction: an accepted event is inserted before the API answers 202; a
success deletes it, and inserts the events its destination gets, in one transaction; a failed
attempt updates its count and next due time. So a SIGKILL at any moment loses no accepted event,
and an event whose success was recorded never runs again (one whose success was not yet recorded
runs again: at least once, as on AWS).

Writes that arrive together share one transaction (one commit): a writer task takes all
pending operations at once. If such a batch fails, each of its operations is retried alone, so
one bad operation fails only its own caller.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lamina.emulator.database import Database
from lamina.emulator.event_invoke import AsyncEvent
from lamina.runtime.invocation import InvocationResult

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS async_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL,
    function_name TEXT NOT NULL,
    qualifier TEXT,
    payload BLOB NOT NULL,
    client_context TEXT,
    accepted_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at REAL NOT NULL,
    chain INTEGER NOT NULL DEFAULT 0,
    tenant_id TEXT
);
"""

Operation = Callable[[sqlite3.Connection], Any]


@dataclass
class QueuedEvent:
    """An event in the queue, as the scheduler holds it. `payload` is None when it is only on
    disk (events loaded at start, or dropped from memory to bound it)."""

    id: int
    request_id: str
    function_name: str
    qualifier: str | None
    client_context: str | None
    accepted_at: float
    attempts: int  # times the function ran it (AWS's approximateInvokeCount)
    due_at: float
    payload: bytes | None = None
    throttles: int = 0  # in memory only: throttled tries don't count as attempts
    last_result: InvocationResult | None = None  # in memory only
    chain: int = 0  # AsyncEvent.chain
    tenant_id: str | None = None  # AsyncEvent.tenant_id

    @classmethod
    def accepted(cls, event_id: int, event: AsyncEvent, keep_payload: bool) -> QueuedEvent:
        return cls(
            id=event_id,
            request_id=event.request_id,
            function_name=event.function_name,
            qualifier=event.qualifier,
            client_context=event.client_context,
            accepted_at=event.accepted_at,
            attempts=0,
            due_at=event.accepted_at,
            payload=event.payload if keep_payload else None,
            chain=event.chain,
            tenant_id=event.tenant_id,
        )


def _insert(conn: sqlite3.Connection, event: AsyncEvent) -> int:
    cursor = conn.execute(
        "INSERT INTO async_events (request_id, function_name, qualifier, payload, "
        "client_context, accepted_at, attempts, due_at, chain, tenant_id) "
        "VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
        (
            event.request_id,
            event.function_name,
            event.qualifier,
            event.payload,
            event.client_context,
            event.accepted_at,
            event.accepted_at,
            event.chain,
            event.tenant_id,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


class AsyncJournal:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: list[tuple[Operation, asyncio.Future[Any]]] = []
        self._writer: asyncio.Task[None] | None = None

    def open(self) -> list[QueuedEvent]:
        """Create the table and read back every queued event, without payloads (blocking)."""
        self.db.ensure_schema(SCHEMA)
        columns = {str(r[1]) for r in self.db.query("PRAGMA table_info(async_events)")}
        if "chain" not in columns:  # a data dir from before recursion detection
            self.db.run(
                lambda conn: conn.execute(
                    "ALTER TABLE async_events ADD COLUMN chain INTEGER NOT NULL DEFAULT 0"
                )
            )
        if "tenant_id" not in columns:  # a data dir from before tenant isolation
            self.db.run(
                lambda conn: conn.execute("ALTER TABLE async_events ADD COLUMN tenant_id TEXT")
            )
        rows = self.db.query(
            "SELECT id, request_id, function_name, qualifier, client_context, accepted_at, "
            "attempts, due_at, chain, tenant_id FROM async_events ORDER BY id"
        )
        return [
            QueuedEvent(
                id=int(str(r[0])),
                request_id=str(r[1]),
                function_name=str(r[2]),
                qualifier=None if r[3] is None else str(r[3]),
                client_context=None if r[4] is None else str(r[4]),
                accepted_at=float(str(r[5])),
                attempts=int(str(r[6])),
                due_at=float(str(r[7])),
                chain=int(str(r[8])),
                tenant_id=None if r[9] is None else str(r[9]),
            )
            for r in rows
        ]

    # --- changes (each one transaction, batched with whatever else is pending) -----------------

    async def add(self, event: AsyncEvent) -> int:
        """Insert an accepted event; returns its id once committed."""
        result: int = await self._write(lambda conn: _insert(conn, event))
        return result

    async def finish(self, event_id: int, follow_ups: Iterable[AsyncEvent] = ()) -> list[int]:
        """Delete a done event and insert the events that follow it (its destination's), in
        one transaction. Returns the new events' ids."""
        follow = list(follow_ups)

        def work(conn: sqlite3.Connection) -> list[int]:
            conn.execute("DELETE FROM async_events WHERE id = ?", (event_id,))
            return [_insert(conn, event) for event in follow]

        result: list[int] = await self._write(work)
        return result

    async def reschedule(self, event_id: int, attempts: int, due_at: float) -> None:
        await self._write(
            lambda conn: conn.execute(
                "UPDATE async_events SET attempts = ?, due_at = ? WHERE id = ?",
                (attempts, due_at, event_id),
            )
        )

    async def payload(self, event_id: int) -> bytes | None:
        def read() -> bytes | None:
            rows = self.db.query("SELECT payload FROM async_events WHERE id = ?", (event_id,))
            if not rows:
                return None
            data = rows[0][0]
            return data if isinstance(data, bytes) else str(data).encode()

        return await asyncio.to_thread(read)

    # --- group commit -------------------------------------------------------------------------

    async def _write(self, operation: Operation) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((operation, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())
            self._writer.add_done_callback(_log_failure)
        return await future

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                results = await self.db.run_async(_run_all([op for op, _ in batch]))
            except Exception as e:
                if len(batch) == 1:
                    _settle_error(batch[0][1], e)
                    continue
                for operation, future in batch:  # alone, so one bad one fails only itself
                    try:
                        result = await self.db.run_async(operation)
                    except Exception as error:
                        _settle_error(future, error)
                    else:
                        _settle(future, result)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                _settle(future, result)

    async def close(self) -> None:
        if self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)


def _run_all(operations: list[Operation]) -> Callable[[sqlite3.Connection], list[Any]]:
    return lambda conn: [operation(conn) for operation in operations]


def _settle(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _settle_error(future: asyncio.Future[Any], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("writing the async queue failed", exc_info=task.exception())
