"""Event source mappings: kept in SQLite (one row each) and in memory, and one SQS poller task per
enabled mapping. Mappings persist, so pollers resume after a restart.

A mapping is created or updated in the Creating/Updating state (what the API answers), then
settles at once to Enabled or Disabled as its poller starts or stops, as on AWS, where the same
transition takes a few seconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable

from lamina.emulator.database import Database
from lamina.emulator.esm_model import (
    DELETING,
    DISABLED,
    ENABLED,
    TRANSITIONS,
    EventSourceMapping,
)

log = logging.getLogger("lamina.emulator.esm")

SCHEMA = """
CREATE TABLE IF NOT EXISTS event_source_mappings (
    uuid TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
"""

# Makes the poller task of a mapping (given its UUID); the task ends when the mapping is gone
# or disabled, or when it is cancelled.
PollerFactory = Callable[[str], "asyncio.Task[None]"]


class EventSourceMappings:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.lock = asyncio.Lock()
        self._mappings: dict[str, EventSourceMapping] = {}
        self._pollers: dict[str, asyncio.Task[None]] = {}
        self._settling: set[asyncio.Task[None]] = set()
        self.poller_factory: PollerFactory | None = None
        # Checks a new mapping's source exists (source_probe.SourceProbe.check); set by the server.
        self.probe: Callable[[EventSourceMapping], Awaitable[None]] | None = None

    # --- life -----------------------------------------------------------------------------------

    def open(self) -> None:
        """Create the table and load the mappings (blocking)."""
        self.db.ensure_schema(SCHEMA)
        for _uuid, data in self.db.query("SELECT uuid, data FROM event_source_mappings"):
            mapping = EventSourceMapping.from_json(json.loads(str(data)))
            self._mappings[mapping.uuid] = mapping

    async def start(self, poller_factory: PollerFactory) -> None:
        self.poller_factory = poller_factory
        for mapping in list(self._mappings.values()):
            if mapping.state == DELETING:
                await self.delete(mapping.uuid)
            else:
                await self._settle(mapping.uuid)

    async def close(self) -> None:
        tasks = [*self._pollers.values(), *self._settling]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._pollers.clear()

    # --- reads ----------------------------------------------------------------------------------

    def get(self, uuid: str) -> EventSourceMapping | None:
        return self._mappings.get(uuid)

    def all(self) -> list[EventSourceMapping]:
        return sorted(self._mappings.values(), key=lambda m: (m.last_modified, m.uuid))

    # --- changes (hold `lock` around read-check-write sequences) --------------------------------

    async def put(self, mapping: EventSourceMapping) -> None:
        """Save a created or updated mapping (Creating/Updating), then settle it."""
        await self._write(mapping)
        self._spawn_settle(mapping.uuid)

    async def set_tags(self, uuid: str, tags: dict[str, str]) -> None:
        """Replace a mapping's tags (no state change: tags are not an update)."""
        mapping = self._mappings.get(uuid)
        if mapping is not None:
            await self._write(dataclasses.replace(mapping, tags=tuple(sorted(tags.items()))))

    async def delete(self, uuid: str) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM event_source_mappings WHERE uuid = ?", (uuid,))

        await self.db.run_async(work)
        self._mappings.pop(uuid, None)  # its poller sees that, and ends after its batch

    def record_result(self, uuid: str, result: str) -> None:
        """LastProcessingResult (in memory: it is a status, not configuration)."""
        mapping = self._mappings.get(uuid)
        if mapping is not None and mapping.last_result != result:
            self._mappings[uuid] = dataclasses.replace(mapping, last_result=result)

    async def _write(self, mapping: EventSourceMapping) -> None:
        data = json.dumps(mapping.to_json(), separators=(",", ":"))

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO event_source_mappings (uuid, data) VALUES (?, ?) "
                "ON CONFLICT(uuid) DO UPDATE SET data = excluded.data",
                (mapping.uuid, data),
            )

        await self.db.run_async(work)
        self._mappings[mapping.uuid] = mapping

    # --- settling: start or stop the poller, then Enabled or Disabled ---------------------------

    def _spawn_settle(self, uuid: str) -> None:
        task = asyncio.get_running_loop().create_task(self._settle(uuid))
        self._settling.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[None]) -> None:
        self._settling.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("event source mapping: a change failed", exc_info=task.exception())

    async def _settle(self, uuid: str) -> None:
        async with self.lock:
            mapping = self._mappings.get(uuid)
            if mapping is None or mapping.state == DELETING:
                return
            if mapping.enabled:
                self._start_poller(uuid)
            # A disabled mapping's poller sees it, and ends after the batch in hand.
            state = ENABLED if mapping.enabled else DISABLED
            if mapping.state != state or mapping.state in TRANSITIONS:
                await self._write(dataclasses.replace(mapping, state=state))

    def _start_poller(self, uuid: str) -> None:
        running = self._pollers.get(uuid)
        if (running is not None and not running.done()) or self.poller_factory is None:
            return
        task = self.poller_factory(uuid)
        self._pollers[uuid] = task
        task.add_done_callback(lambda t: self._poller_done(uuid, t))

    def _poller_done(self, uuid: str, task: asyncio.Task[None]) -> None:
        if self._pollers.get(uuid) is task:
            del self._pollers[uuid]
        if not task.cancelled() and task.exception() is not None:
            log.error("event source mapping %s: the poller failed", uuid, exc_info=task.exception())
