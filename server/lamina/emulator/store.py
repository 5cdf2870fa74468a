"""The function store: metadata in SQLite, code in the content-addressed code store, and an
in-memory copy of the metadata that every read (Invoke above all) is served from.

A change is committed to SQLite first, in one transaction, and only then swapped into memory.
Changes are serialized by `lock`; a handler takes it, reads the current state, builds the new one
and saves it. Code is ingested before the lock is taken and stays pinned until the metadata that
refers to it is committed, so the garbage collector never removes code about to be used.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from lamina.emulator.code_store import CodeObject, CodeStore
from lamina.emulator.database import Database
from lamina.emulator.model import FunctionState, VersionConfig

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS functions (
    name TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
"""

# Zips up to this size are checked on the event loop, stored as a database row (one commit, no
# file) and unpacked on first use (see `FunctionStore.ingest`); larger ones are written and
# unpacked in a worker thread.
INLINE_ZIP_BYTES = 64 * 1024


class DataDirBusy(Exception):
    """Another process (another `lamina serve`) has the data dir open."""


# Called with a function name after its state changed (None: it was deleted).
ChangeListener = Callable[[str, FunctionState | None], None]


class FunctionStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file: IO[str] | None = None
        self.db = Database(data_dir / "emulator.sqlite3")
        self.code = CodeStore(data_dir, self.db)
        self.lock = asyncio.Lock()
        # Serializes adding and removing code rows (both on the loop; see `ingest`, `_collect`).
        self._rows_lock = asyncio.Lock()
        self._functions: dict[str, FunctionState] = {}
        self._listeners: list[ChangeListener] = []
        self._gc_task: asyncio.Task[None] | None = None
        self._gc_again = False
        self.busy_code_keys: Callable[[], Iterable[str]] = lambda: ()
        # Called by `open` once the functions are loaded, before unused code is collected: other
        # owners of code (layer versions) load theirs and declare it in use.
        self.ref_loaders: list[Callable[[], None]] = []

    # --- life -----------------------------------------------------------------------------------

    def open(self) -> None:
        """Load the metadata, and remove what an interrupted write left (blocking; at start).
        Raises DataDirBusy if another process has the data dir: two emulators on one store
        would each trust their own in-memory copy."""
        self._hold_lock()
        self.db.ensure_schema(SCHEMA)
        self.code.open()
        versions: dict[str, dict[str, VersionConfig]] = {}
        for name, _number, data in self.db.query("SELECT name, version, data FROM versions"):
            config = VersionConfig.from_json(json.loads(str(data)))
            versions.setdefault(str(name), {})[config.version] = config
        for name, data in self.db.query("SELECT name, data FROM functions"):
            state = FunctionState.from_json(json.loads(str(data)), versions.get(str(name), {}))
            self._functions[state.name] = state
            self.code.set_refs(state.name, state.code_keys())
        for load in self.ref_loaders:
            load()
        self.code.clean_temp()
        self.code.collect()
        self.db.run(self.code.rows_deleter(self.code.take_unused_rows()))

    def close(self) -> None:
        if self._gc_task is not None:
            self._gc_task.cancel()
        self.db.close()
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock
            self._lock_file = None

    def _hold_lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return
        self._lock_file = open(self.data_dir / "lock", "a")  # noqa: SIM115 - held while open
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file.close()
            self._lock_file = None
            raise DataDirBusy(
                f"the data dir {self.data_dir} is in use by another lamina serve"
            ) from None

    def add_listener(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    # --- reads (in memory) ----------------------------------------------------------------------

    def get(self, name: str) -> FunctionState | None:
        return self._functions.get(name)

    def names(self) -> list[str]:
        return sorted(self._functions)

    def all(self) -> list[FunctionState]:
        return [self._functions[name] for name in self.names()]

    # --- code -----------------------------------------------------------------------------------

    async def ingest(self, data: bytes) -> CodeObject:
        """Check and store a zip: a small one on the event loop, as a row committed before this
        returns (a WAL append; creating, writing and renaming a file cost more CPU and waited on
        the file system's journal: docs/emulator.md, Speed), a larger one as a file, off the loop. The key stays pinned (safe
        from the garbage collector) until `unpin`; call it after the commit that refers to it,
        or on failure."""
        if not (self.db.inline and len(data) <= INLINE_ZIP_BYTES):
            return await asyncio.to_thread(self.code.ingest, data, True)
        async with self._rows_lock:  # the collector removes no row meanwhile
            stored, fresh = self.code.check(data)
            if fresh:
                try:
                    await self.db.run_async(self.code.row_writer(stored.key, data))
                except BaseException:
                    self.code.unpin(stored.key)
                    raise
                self.code.row_written(stored.key)
            return stored

    def unpin(self, key: str) -> None:
        self.code.unpin(key)

    def unpacked_dir(self, key: str) -> Path:
        path = self.code.dir_path(key)
        return path if path.is_dir() else self.code.ensure_unpacked(key)

    # --- writes ---------------------------------------------------------------------------------

    async def save(
        self,
        state: FunctionState,
        new_versions: Iterable[VersionConfig] = (),
        deleted_versions: Iterable[str] = (),
    ) -> None:
        """Commit a function's new state (hold `lock`), then make it the current one."""
        meta = json.dumps(state.meta_json(), separators=(",", ":"))
        added = [
            (state.name, int(v.version), json.dumps(v.to_json(), separators=(",", ":")))
            for v in new_versions
        ]
        removed = [(state.name, int(v)) for v in deleted_versions]

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO functions (name, data) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET data = excluded.data",
                (state.name, meta),
            )
            if added:
                conn.executemany(
                    "INSERT INTO versions (name, version, data) VALUES (?, ?, ?)", added
                )
            if removed:
                conn.executemany("DELETE FROM versions WHERE name = ? AND version = ?", removed)

        await self.db.run_async(write)
        self._functions[state.name] = state
        keys = state.code_keys()
        dropped = self.code.set_refs(state.name, keys) - keys
        self._notify(state.name, state)
        if dropped:
            self.collect_garbage()

    async def delete(self, name: str) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM versions WHERE name = ?", (name,))
            conn.execute("DELETE FROM functions WHERE name = ?", (name,))

        await self.db.run_async(write)
        self._functions.pop(name, None)
        self.code.set_refs(name, ())
        self._notify(name, None)
        self.collect_garbage()

    def _notify(self, name: str, state: FunctionState | None) -> None:
        for listener in self._listeners:
            try:
                listener(name, state)
            except Exception:
                log.exception("a store listener failed")

    # --- garbage collection ---------------------------------------------------------------------

    def collect_garbage(self) -> None:
        """Remove code nothing refers to, in the background (coalesced)."""
        if self._gc_task is not None and not self._gc_task.done():
            self._gc_again = True
            return
        self._gc_task = asyncio.get_running_loop().create_task(self._collect())
        self._gc_task.add_done_callback(_log_failure)

    async def _collect(self) -> None:
        # Later, not right after the answer: removing an unpacked tree took ~4 ms of a worker
        # thread competing with the client's next request (a save's burst of calls).
        await asyncio.sleep(GC_DELAY_S)
        while True:
            self._gc_again = False
            busy = set(self.busy_code_keys())  # code of invocations still running
            await asyncio.to_thread(self.code.collect, busy)  # files and unpacked dirs
            async with self._rows_lock:
                doomed = self.code.take_unused_rows(busy)
                if doomed:
                    await self.db.run_async(self.code.rows_deleter(doomed))
            if not self._gc_again:
                return


GC_DELAY_S = 2.0


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("removing unused code failed", exc_info=task.exception())
