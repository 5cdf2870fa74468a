"""The content-addressed code store. A zip up to 64 KiB is a row of the database's `code_zips`
table, a larger one the file `code/<sha256 hex>.zip`; either is unpacked once to
`unpacked/<hex>/`.

A zip is checked at upload without writing a file (zip_archive.unpack.verify_package: names,
duplicates, links, every entry inflated and its CRC checked, so a bad zip gets its one clear error
then); only then is it stored: a small one as a row, committed (`check`, `row_writer`; an append
to SQLite's WAL costs a fraction of creating and renaming a file), a larger one written (temp
file, os.replace). A small zip is unpacked on first use (`ensure_unpacked`, from an invoke or a
layer), a large one at upload (in a worker thread), into a temporary dir inside the store renamed
into place. So a key that exists is complete, a refused upload leaves nothing behind, and a
SIGKILL at any moment leaves at most temporary files, which `clean_temp` removes at the next
start. The zip (row or file) is the durable copy; an unpacked dir is made, or made again, from it
whenever it is missing.

Unused code is removed by `collect` (files and dirs) and `take_unused_rows` (rows). A key is in
use while something refers to it (`set_refs`, kept by the function store) or while an upload of it
is pinned (from before its ingest until the metadata that refers to it is committed). Both are
checked under one lock, key by key, right before removal, so a concurrent upload of the same bytes
is never lost. Rows are added and removed on the event loop only (store.py serializes the two).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import os
import shutil
import sqlite3
import threading
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from lamina.emulator.database import Database
from lamina.zip_archive.unpack import unpack_package, verify_package

log = logging.getLogger(__name__)

TEMP_PREFIX = ".tmp-"

SCHEMA = """
CREATE TABLE IF NOT EXISTS code_zips (
    key TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
"""


@dataclass(frozen=True)
class CodeObject:
    sha256: str  # base64 (Lambda's CodeSha256)
    key: str  # hex (file names)
    size: int  # zipped bytes (Lambda's CodeSize)
    unpacked_size: int = 0


class CodeStore:
    def __init__(self, root: Path, db: Database) -> None:
        self.zips = root / "code"
        self.unpacked = root / "unpacked"
        self.zips.mkdir(parents=True, exist_ok=True)
        self.unpacked.mkdir(parents=True, exist_ok=True)
        self.db = db
        self._rows: set[str] = set()  # keys whose zip is a row of code_zips
        self._lock = threading.Lock()
        self._pins: Counter[str] = Counter()
        self._refs: dict[str, frozenset[str]] = {}
        self._ref_counts: Counter[str] = Counter()  # key -> how many owners refer to it

    def open(self) -> None:
        """Create the table and load which zips are rows (blocking; at start)."""
        self.db.ensure_schema(SCHEMA)
        self._rows = {str(key) for (key,) in self.db.query("SELECT key FROM code_zips")}

    # --- what is in use -------------------------------------------------------------------------

    def pin(self, key: str) -> None:
        with self._lock:
            self._pins[key] += 1

    def unpin(self, key: str) -> None:
        with self._lock:
            self._pins[key] -= 1
            if self._pins[key] <= 0:
                del self._pins[key]

    def set_refs(self, owner: str, keys: Iterable[str]) -> frozenset[str]:
        """The keys `owner` (a function) refers to; none removes the owner. Returns the keys it
        referred to until now."""
        frozen = frozenset(keys)
        with self._lock:
            old = self._refs.pop(owner, frozenset())
            if frozen:
                self._refs[owner] = frozen
            if frozen == old:
                return old
            self._ref_counts.update(frozen)
            self._ref_counts.subtract(old)
            for key in old - frozen:
                if self._ref_counts[key] <= 0:
                    del self._ref_counts[key]
        return old

    def referenced(self, key: str) -> bool:
        """Whether an owner (a function, a layer version) refers to `key`."""
        with self._lock:
            return key in self._ref_counts

    def _in_use(self, key: str) -> bool:
        # Counted, not searched: with many functions, a search per request was its cost.
        return key in self._pins or key in self._ref_counts

    # --- storing --------------------------------------------------------------------------------

    @staticmethod
    def key_of(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def zip_path(self, key: str) -> Path:
        return self.zips / f"{key}.zip"

    def dir_path(self, key: str) -> Path:
        return self.unpacked / key

    def has_zip(self, key: str) -> bool:
        return key in self._rows or self.zip_path(key).is_file()

    def check(self, data: bytes) -> tuple[CodeObject, bool]:
        """Hash and pin a small zip, and verify it unless it is stored already: (the object,
        whether its row must still be written with `row_writer`, then `row_written`). Raises
        PackageError. The key is left pinned, as by `ingest`."""
        digest = hashlib.sha256(data).digest()
        key = digest.hex()
        sha = base64.b64encode(digest).decode("ascii")
        self.pin(key)
        try:
            # Rows only: the same bytes stored as a file (by an older Lamina) get a row too.
            if key in self._rows:
                return CodeObject(sha, key, len(data)), False
            unpacked_size = verify_package(data)
        except BaseException:
            self.unpin(key)
            raise
        return CodeObject(sha, key, len(data), unpacked_size), True

    @staticmethod
    def row_writer(key: str, data: bytes) -> Callable[[sqlite3.Connection], None]:
        """The transaction that stores a checked zip as a row (for Database.run_async)."""

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT OR REPLACE INTO code_zips (key, data) VALUES (?, ?)", (key, data))

        return write

    def row_written(self, key: str) -> None:
        self._rows.add(key)

    def ingest(self, data: bytes, unpack: bool = True) -> CodeObject:
        """Check and store a zip (blocking: run it in a thread); with `unpack` False it is
        unpacked on first use instead of now. Raises PackageError. The key is left pinned: `unpin`
        it once the metadata that refers to it is committed."""
        digest = hashlib.sha256(data).digest()
        key = digest.hex()
        sha = base64.b64encode(digest).decode("ascii")
        self.pin(key)
        try:
            if self.has_zip(key) and (not unpack or self.dir_path(key).is_dir()):
                return CodeObject(sha, key, len(data))
            unpacked_size = self._unpack(data, key) if unpack else verify_package(data)
            self._write_zip(data, key)
        except BaseException:
            self.unpin(key)
            raise
        return CodeObject(sha, key, len(data), unpacked_size)

    def ensure_unpacked(self, key: str) -> Path:
        """The unpacked dir of a stored zip, unpacked again if it went missing."""
        path = self.dir_path(key)
        if not path.is_dir():
            self._unpack(self.read_zip(key), key)
        return path

    def read_zip(self, key: str) -> bytes:
        if key in self._rows:
            found = self.db.query("SELECT data FROM code_zips WHERE key = ?", (key,))
            if found and isinstance(found[0][0], bytes):
                return found[0][0]
        return self.zip_path(key).read_bytes()

    def is_row(self, key: str) -> bool:
        return key in self._rows

    def unzipped_size(self, key: str) -> int:
        """The unzipped size a stored zip declares (0 if it can't be read)."""
        try:
            source = io.BytesIO(self.read_zip(key)) if key in self._rows else self.zip_path(key)
            with zipfile.ZipFile(source) as archive:
                return sum(info.file_size for info in archive.infolist())
        except (OSError, zipfile.BadZipFile):
            return 0

    def _unpack(self, data: bytes, key: str) -> int:
        staging = self.unpacked / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        try:
            unpacked = unpack_package(data, staging)
            for warning in unpacked.warnings:
                log.warning("%s", warning)
            size = unpacked.written
            try:
                staging.rename(self.dir_path(key))
            except OSError:
                if not self.dir_path(key).is_dir():
                    raise
                # Someone unpacked the same code first: theirs is identical.
        finally:
            if staging.exists():
                _remove_tree(staging)
        return size

    def _write_zip(self, data: bytes, key: str) -> None:
        final = self.zip_path(key)
        temp = self.zips / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        try:
            # No fsync: the rename makes the zip whole or absent for any process crash (the
            # page cache outlives the process); only a power cut could lose it, as it could lose
            # the database's last commits (synchronous=NORMAL, database.py).
            with open(temp, "wb") as out:
                out.write(data)
            os.replace(temp, final)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()

    def clean_temp(self) -> int:
        """Remove what an interrupted ingest left (call when no ingest runs)."""
        count = 0
        for folder in (self.zips, self.unpacked):
            for path in folder.glob(f"{TEMP_PREFIX}*"):
                count += 1
                if path.is_dir():
                    _remove_tree(path)
                else:
                    path.unlink(missing_ok=True)
        return count

    def keys(self) -> set[str]:
        zips = {p.stem for p in self.zips.glob("*.zip")}
        dirs = {p.name for p in self.unpacked.iterdir() if not p.name.startswith(TEMP_PREFIX)}
        return zips | dirs

    def collect(self, also_keep: Iterable[str] = ()) -> int:
        """Delete stored code that is not in use, nor in `also_keep` (blocking)."""
        keep = set(also_keep)
        removed = 0
        for key in self.keys() - keep:
            # Under the lock only what is quick (an unlink and a rename), so an ingest on the
            # event loop (store.py) never waits for a tree to be removed.
            with self._lock:
                if self._in_use(key):
                    continue
                removed += 1
                # The dir first: whoever sees the zip gone sees its dir gone too. (A dir never
                # unpacked, as code unpacked on first use may be, has nothing to rename.)
                doomed = self.unpacked / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
                try:
                    self.dir_path(key).rename(doomed)
                    moved = True
                except FileNotFoundError:
                    moved = False
                self.zip_path(key).unlink(missing_ok=True)
            if moved:
                _remove_tree(doomed)
        if removed:
            log.debug("removed %d unused code packages", removed)
        return removed

    def take_unused_rows(self, also_keep: Iterable[str] = ()) -> list[str]:
        """The keys of rows not in use, nor in `also_keep`, forgotten here: delete them with
        `rows_deleter` (on the event loop, where rows are added; `collect` first, so their
        unpacked dirs are gone before their zips)."""
        keep = set(also_keep)
        with self._lock:
            doomed = [key for key in self._rows if key not in keep and not self._in_use(key)]
            self._rows.difference_update(doomed)
        return doomed

    @staticmethod
    def rows_deleter(keys: list[str]) -> Callable[[sqlite3.Connection], None]:
        def delete(conn: sqlite3.Connection) -> None:
            conn.executemany("DELETE FROM code_zips WHERE key = ?", [(key,) for key in keys])

        return delete


def _remove_tree(path: Path) -> None:
    # Everything in the store is written with mode 644/755, so the owner can always remove it.
    shutil.rmtree(path, ignore_errors=True)
