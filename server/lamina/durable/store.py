"""Executions in SQLite, in Lamina's data dir.

The testing package's SQLite store opens a connection per call, parses the whole execution
on every load and writes it whole on every save; the executor loads and saves several times
per checkpoint, so a 100-step workflow paid for thousands of parses and wrote ever larger
rows. This one keeps one connection (behind a lock: the executor calls from its worker
threads) and the executions it has seen in memory, as the runner's in-memory store does (the
executor shares the objects it loads), and writes each execution in parts
(execution_parts.py): the runner's `executions` row holds a small shell, and only the
operations, updates, ... that changed are upserted beside it. Every save still commits before
the executor answers: WAL with synchronous=NORMAL, so every acknowledged checkpoint survives
the process being killed (kill -9); only a power loss can drop the last.
"""

from __future__ import annotations

import datetime
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aws_durable_execution_sdk_python_testing.exceptions import ResourceNotFoundException
from aws_durable_execution_sdk_python_testing.execution import Execution, PauseState
from aws_durable_execution_sdk_python_testing.stores.sqlite import SQLiteExecutionStore

from lamina.durable import execution_parts
from lamina.durable.availability import missing_reason
from lamina.durable.execution_parts import Saved
from lamina.durable.timeout_pause import NOT_PAUSED, PauseRecord

STORE_FILE = "durable-executions.sqlite3"
CACHED_EXECUTIONS = 512


class ExecutionDatabase(SQLiteExecutionStore):
    """The durable executions of one data dir (`lamina serve`'s, or the workspace's)."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._cache: OrderedDict[str, Execution] = OrderedDict()
        # The pause each execution has in the table (the runner's execution data keeps none).
        self._pauses: dict[str, PauseState] = {}
        self._pause_records: dict[str, PauseRecord] = {}  # timeout_pause.py's, as stored
        self._saved: dict[str, Saved] = {}  # what the parts table holds of each cached one

    def load(self, execution_arn: str) -> Execution:
        with self._lock:
            cached = self._cache.get(execution_arn)
            if cached is None:
                cached = self._read(execution_arn)
                self._restore_pause(cached)
                self._remember(cached)
            else:
                self._cache.move_to_end(execution_arn)
            return cached

    def _read(self, arn: str) -> Execution:
        """The execution as stored: its shell and parts put back together."""
        with self._connection() as conn:
            row = conn.execute(
                "SELECT data FROM executions WHERE durable_execution_arn = ?", (arn,)
            ).fetchone()
            if row is None:
                raise ResourceNotFoundException("Durable Execution does not exist")
            document, in_parts = execution_parts.document(conn, arn, row[0])
        execution = Execution.from_json_dict(document)
        if in_parts:
            self._saved[arn] = Saved.of(execution)
        return execution

    def document(self, arn: str) -> dict[str, Any]:
        """The stored execution as the runner's own store would hold it (its to_json_dict)."""
        with self._connection() as conn:
            row = conn.execute(
                "SELECT data FROM executions WHERE durable_execution_arn = ?", (arn,)
            ).fetchone()
            if row is None:
                raise ResourceNotFoundException("Durable Execution does not exist")
            return execution_parts.document(conn, arn, row[0])[0]

    def query(self, *args: Any, **kwargs: Any) -> tuple[list[Execution], str | None]:
        """The runner's query over the small rows, each match then loaded whole."""
        shells, marker = super().query(*args, **kwargs)
        return [self.load(shell.durable_execution_arn) for shell in shells], marker

    def save(self, execution: Execution) -> None:
        """The runner's row (its SQL; a small document) and the parts that changed."""
        arn = execution.durable_execution_arn
        with self._lock:
            started = execution.get_operation_execution_started()
            document = execution_parts.shell_json(execution)
            saved = self._saved.pop(arn, None)  # dropped if the transaction fails
            status = execution.current_status().value
            ended = started.end_timestamp.timestamp() if started.end_timestamp else None
            with self._connection() as conn:
                execution_parts.write_parts(conn, execution, saved)
                if not _update_row(conn, arn, saved, (status, ended), document):
                    conn.execute(
                        "INSERT OR REPLACE INTO executions (durable_execution_arn, function_name, "
                        "execution_name, status, start_timestamp, end_timestamp, data) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            arn,
                            execution.start_input.function_name,
                            execution.start_input.execution_name,
                            status,
                            started.start_timestamp.timestamp()
                            if started.start_timestamp
                            else None,
                            ended,
                            document,
                        ),
                    )
            if saved is None:
                saved = Saved()
            saved.remember(execution)
            saved.columns = (status, ended)
            self._saved[arn] = saved
            self._save_pause(execution)
            self._remember(execution)

    def _save_pause(self, execution: Execution) -> None:
        arn = execution.durable_execution_arn
        state = execution.pause_state
        if self._pauses.get(arn, PauseState.NOT_PAUSED) is state:
            return  # the common case: no SQL
        with self._connection() as conn:
            conn.execute("DELETE FROM pauses WHERE durable_execution_arn = ?", (arn,))
            if state is not PauseState.NOT_PAUSED:
                conn.execute("INSERT INTO pauses VALUES (?, ?)", (arn, state.value))
        self._pauses[arn] = state

    def _restore_pause(self, execution: Execution) -> None:
        arn = execution.durable_execution_arn
        with self._connection() as conn:
            row = conn.execute(
                "SELECT state FROM pauses WHERE durable_execution_arn = ?", (arn,)
            ).fetchone()
        state = PauseState(row[0]) if row else PauseState.NOT_PAUSED
        execution._pause_state = state
        self._pauses[arn] = state

    def delete(self, arn: str) -> None:
        """Remove an execution and what is kept beside it."""
        with self._connection() as conn:
            for table in (
                "executions",
                execution_parts.TABLE,
                "invocation_errors",
                "pauses",
                "pause_records",
                "pause_events",
            ):
                conn.execute(f"DELETE FROM {table} WHERE durable_execution_arn = ?", (arn,))
        self._cache.pop(arn, None)
        self._pauses.pop(arn, None)
        self._pause_records.pop(arn, None)
        self._saved.pop(arn, None)

    def update(self, execution: Execution) -> None:
        self.save(execution)

    def _remember(self, execution: Execution) -> None:
        self._cache[execution.durable_execution_arn] = execution
        self._cache.move_to_end(execution.durable_execution_arn)
        while len(self._cache) > CACHED_EXECUTIONS:
            gone, _ = self._cache.popitem(last=False)
            self._saved.pop(gone, None)

    @classmethod
    def open(cls, data_dir: Path) -> ExecutionDatabase:
        reason = missing_reason()
        if reason is not None:
            raise RuntimeError(reason)
        data_dir.mkdir(parents=True, exist_ok=True)
        store = cls(data_dir / STORE_FILE)
        store._init_db()
        return store

    def _get_connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.db_path, timeout=30.0, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL;")
            conn.execute("PRAGMA synchronous=NORMAL;")
            self._conn = conn
        return self._conn

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._get_connection()
            with conn:  # one transaction: committed on success, rolled back on error
                yield conn

    def _init_db(self) -> None:
        super()._init_db()
        with self._connection() as conn:
            conn.execute(execution_parts.CREATE_TABLE)
            conn.execute(
                "CREATE TABLE IF NOT EXISTS invocation_errors (durable_execution_arn TEXT, "
                "end_timestamp TEXT, error_type TEXT, error_message TEXT)"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS pauses (durable_execution_arn TEXT PRIMARY KEY, "
                "state TEXT)"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS pause_events (durable_execution_arn TEXT, kind TEXT, "
                "at TEXT, reason TEXT, timeout_paused INTEGER)"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS pause_records (durable_execution_arn TEXT PRIMARY "
                "KEY, requested_at TEXT, reason TEXT, timeout_paused INTEGER, paused_seconds REAL)"
            )

    def pause_record(self, arn: str) -> PauseRecord:
        """The execution's pause as PauseDurableExecution asked for it (timeout_pause.py)."""
        with self._lock:
            known = self._pause_records.get(arn)
            if known is not None:
                return known
            with self._connection() as conn:
                row = conn.execute(
                    "SELECT requested_at, reason, timeout_paused, paused_seconds "
                    "FROM pause_records WHERE durable_execution_arn = ?",
                    (arn,),
                ).fetchone()
            record = NOT_PAUSED
            if row is not None:
                requested = datetime.datetime.fromisoformat(row[0]) if row[0] else None
                record = PauseRecord(requested, row[1], bool(row[2]), float(row[3]))
            self._pause_records[arn] = record
            return record

    def save_pause_record(self, arn: str, record: PauseRecord) -> None:
        with self._lock:
            requested = record.requested_at.isoformat() if record.requested_at else None
            with self._connection() as conn:
                conn.execute(
                    "INSERT OR REPLACE INTO pause_records VALUES (?, ?, ?, ?, ?)",
                    (
                        arn,
                        requested,
                        record.reason,
                        int(record.timeout_paused),
                        record.paused_seconds,
                    ),
                )
            self._pause_records[arn] = record

    def add_pause_event(
        self, arn: str, kind: str, at: datetime.datetime, reason: str | None, timeout_paused: bool
    ) -> None:
        """A pause or resume, for the history (pause_events.py)."""
        with self._connection() as conn:
            conn.execute(
                "INSERT INTO pause_events VALUES (?, ?, ?, ?, ?)",
                (arn, kind, at.isoformat(), reason, int(timeout_paused)),
            )

    def pause_events(self, arn: str) -> list[tuple[str, datetime.datetime, str | None, bool]]:
        """(kind, when, reason, timeout paused) of each pause and resume, oldest first."""
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT kind, at, reason, timeout_paused FROM pause_events "
                "WHERE durable_execution_arn = ? ORDER BY rowid",
                (arn,),
            ).fetchall()
        return [
            (str(kind), datetime.datetime.fromisoformat(at), reason, bool(paused))
            for kind, at, reason, paused in rows
        ]

    def record_invocation_error(
        self, arn: str, ended: datetime.datetime, error_type: str, error_message: str
    ) -> None:
        """The error of a failed invocation (the runner's own records keep none)."""
        with self._connection() as conn:
            conn.execute(
                "INSERT INTO invocation_errors VALUES (?, ?, ?, ?)",
                (arn, ended.isoformat(), error_type, error_message),
            )

    def invocation_errors(self, arn: str) -> dict[str, tuple[str, str]]:
        """End timestamp (ISO) -> (error type, message) of the execution's failed invocations."""
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT end_timestamp, error_type, error_message FROM invocation_errors "
                "WHERE durable_execution_arn = ?",
                (arn,),
            ).fetchall()
        return {str(end): (str(kind), str(message)) for end, kind, message in rows}

    def expired_arns(self, now: float) -> list[str]:
        """Ended executions whose RetentionPeriodInDays has passed (`now`: epoch seconds)."""
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT durable_execution_arn FROM executions WHERE end_timestamp IS NOT NULL "
                "AND status != 'RUNNING' AND end_timestamp + 86400 * COALESCE(json_extract("
                "data, '$.StartInput.ExecutionRetentionPeriodDays'), 14) < ?",
                (now,),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def running_arns(self) -> list[str]:
        """The executions that were running when Lamina last stopped (to resume them)."""
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT durable_execution_arn FROM executions WHERE status = 'RUNNING' "
                "ORDER BY start_timestamp"
            ).fetchall()
        return [str(row[0]) for row in rows]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _update_row(
    conn: sqlite3.Connection,
    arn: str,
    saved: Saved | None,
    columns: tuple[str, float | None],
    document: str,
) -> bool:
    """Update the runner's row of an execution saved before, setting only the columns that
    changed: the row's four indexes are then left alone at most checkpoints (a REPLACE
    deletes and re-inserts the row and every index entry). False when there is no such row."""
    if saved is None:
        return False
    if saved.columns == columns:
        cursor = conn.execute(
            "UPDATE executions SET data = ? WHERE durable_execution_arn = ?", (document, arn)
        )
    else:
        cursor = conn.execute(
            "UPDATE executions SET status = ?, end_timestamp = ?, data = ? "
            "WHERE durable_execution_arn = ?",
            (*columns, document, arn),
        )
    return cursor.rowcount == 1
