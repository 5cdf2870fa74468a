"""The emulator's SQLite database: one file in the data dir, in WAL mode.

Every change is one transaction, so a SIGKILL at any moment leaves the old or the new state. One
connection serves the whole process; calls run one at a time (a lock), normally in a worker
thread through `run_async` so a slow disk never stalls the event loop. Other emulator modules
(the async queue, event source mappings) add their own tables with `ensure_schema`.
"""

from __future__ import annotations

import asyncio
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

    def ensure_schema(self, ddl: str) -> None:
        """Run CREATE TABLE IF NOT EXISTS ... statements (idempotent)."""
        with self._lock:
            self._conn.executescript(ddl)

    def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(conn)` in one transaction: committed if it returns, rolled back if it raises."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return result

    async def run_async(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.to_thread(self.run, work)

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return list(self._conn.execute(sql, params))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
