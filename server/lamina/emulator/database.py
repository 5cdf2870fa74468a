"""The emulator's SQLite database: one file in the data dir, in WAL mode.

Every change is one transaction, so a SIGKILL at any moment leaves the old or the new state. One
connection serves the whole process; calls run one at a time (a lock). `run_async` commits a
small write on the event loop's own thread when the connection is free: in WAL mode with
synchronous=NORMAL a commit is a write() to the WAL, no fsync, cheaper than the two thread hops
a worker costs (docs/emulator.md has the A/B). When another thread holds the connection, the
write goes to a worker thread, so the loop never waits on it. LAMINA_DB_THREAD=1 always uses
the worker (for benchmarking the two; the store's small-zip ingest follows the same switch). Other emulator modules (the async queue, event source
mappings) add their own tables with `ensure_schema`.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE ... COMMIT) in `run`.
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL: in WAL mode a commit survives a crash of the process (SIGKILL included) the
        # moment it returns; only a power cut or an OS crash can lose the last commits (WAL is
        # synced at checkpoints). A local emulator trades that for commits without an fsync
        # each (FULL cost UpdateFunctionCode about a third of its time; docs/emulator.md).
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self.inline = os.environ.get("LAMINA_DB_THREAD") != "1"

    def ensure_schema(self, ddl: str) -> None:
        """Run CREATE TABLE IF NOT EXISTS ... statements (idempotent)."""
        with self._lock:
            self._conn.executescript(ddl)

    def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(conn)` in one transaction: committed if it returns, rolled back if it raises."""
        with self._lock:
            return self._transaction(work)

    async def run_async(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`run`, on this thread if the connection is free now, else in a worker thread."""
        if self.inline and self._lock.acquire(blocking=False):
            try:
                return self._transaction(work)
            finally:
                self._lock.release()
        return await asyncio.to_thread(self.run, work)

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(self._conn)
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        return result

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return list(self._conn.execute(sql, params))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
