"""An execution stored in parts: a small row of its own plus one row per operation, update, ...

The testing runner's store writes `json.dumps(execution.to_json_dict())` after each checkpoint,
one document holding every operation, update and update timestamp the execution ever had, so
each checkpoint of a long workflow wrote more than the one before. Here the runner's document
is cut into its growing parts (the lists and per-operation maps below) and a small shell (the
rest of `to_json_dict`). A save upserts only the parts that changed since the last save of the
same execution, in the same transaction as the shell, so every acknowledged checkpoint is
still whole on disk after kill -9. Operations and updates are frozen dataclasses, replaced
(never changed in place) when they move on, so "changed" is an identity test.

The execution's input (`StartInput.Input`, up to the Invoke's 6 MB) is a part of its own too,
written once: in the shell it would be encoded and written again at every checkpoint.

`document()` puts the parts back: it is exactly the runner's `to_json_dict` of the execution.
"""

from __future__ import annotations

import itertools
import operator
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from lamina.durable.fast_json import dumps_text, loads

TABLE = "execution_parts"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (durable_execution_arn TEXT NOT NULL, part TEXT NOT "
    "NULL, key NOT NULL, data TEXT NOT NULL, PRIMARY KEY (durable_execution_arn, part, key)) "
    "WITHOUT ROWID"
)
UPSERT = (
    f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?) ON CONFLICT (durable_execution_arn, part, key) "
    "DO UPDATE SET data = excluded.data"
)

# The runner's document key -> (Execution attribute, how one element becomes JSON-ready).
LISTS: dict[str, tuple[str, Any]] = {
    "Operations": ("operations", lambda item: item.to_json_dict()),
    "Updates": ("updates", lambda item: item.to_dict()),
    "UpdateTimestamps": ("update_timestamps", lambda item: item.isoformat()),
    "InvocationCompletions": ("invocation_completions", lambda item: item.to_json_dict()),
    "UpdatedOperationIds": ("updated_operation_ids", lambda item: item),
}
# Maps keyed by operation id, with plain values.
MAPS: dict[str, str] = {
    "OperationLastTouchedSeq": "operation_last_touched_seq",
    "OperationSizeBytes": "operation_size_bytes",
    "ChainedInvokeChildren": "chained_invoke_children",
}
# Lists of plain values compare by value; the rest by identity.
_BY_VALUE = {"UpdatedOperationIds"}
_EMPTY: dict[str, Any] = {attr: [] for attr, _ in LISTS.values()} | dict.fromkeys(MAPS.values(), {})
INPUT = "Input"  # StartInput's Input, a part of its own (key 0)
_ABSENT = object()


class Saved:
    """What the database holds of one execution, as of its last save (per execution; the
    store calls it under its lock)."""

    def __init__(self) -> None:
        self.lists: dict[str, list[Any]] = {}
        self.maps: dict[str, dict[str, Any]] = {}
        self.start_input: Any = None  # the StartInput whose Input the parts hold
        # The runner's row's status and end timestamp as saved (None: not known).
        self.columns: tuple[str, float | None] | None = None

    @classmethod
    def of(cls, execution: Any) -> Saved:
        saved = cls()
        saved.remember(execution)
        return saved

    def remember(self, execution: Any) -> None:
        self.lists = {part: list(getattr(execution, attr)) for part, (attr, _) in LISTS.items()}
        self.maps = {part: dict(getattr(execution, attr)) for part, attr in MAPS.items()}
        self.start_input = execution.start_input


def shell_json(execution: Any) -> str:
    """The runner's document of the execution without its growing parts."""
    shell = object.__new__(type(execution))  # a copy whose growing parts are empty
    shell.__dict__ = {**execution.__dict__, **_EMPTY}
    document = shell.to_json_dict()
    document["StartInput"].pop(INPUT, None)
    return dumps_text(document)


def write_parts(conn: sqlite3.Connection, execution: Any, saved: Saved | None) -> None:
    """Upsert the parts that changed since `saved` (everything when it is None)."""
    arn = execution.durable_execution_arn
    if saved is None:
        conn.execute(f"DELETE FROM {TABLE} WHERE durable_execution_arn = ?", (arn,))
        saved = Saved()
    rows: list[tuple[str, str, Any, str]] = []
    for part, (attr, to_json) in LISTS.items():
        items = getattr(execution, attr)
        before = saved.lists.get(part, [])
        for index in changed_indexes(items, before, part in _BY_VALUE):
            rows.append((arn, part, index, dumps_text(to_json(items[index]))))
        if len(before) > len(items):
            conn.execute(
                f"DELETE FROM {TABLE} WHERE durable_execution_arn = ? AND part = ? AND key >= ?",
                (arn, part, len(items)),
            )
    for part, attr in MAPS.items():
        mapping = getattr(execution, attr)
        before_map = saved.maps.get(part, {})
        for key, value in changed_items(mapping, before_map):
            rows.append((arn, part, str(key), dumps_text(value)))
        for key in before_map.keys() - mapping.keys():
            conn.execute(
                f"DELETE FROM {TABLE} WHERE durable_execution_arn = ? AND part = ? AND key = ?",
                (arn, part, str(key)),
            )
    start = execution.start_input
    if start is not saved.start_input and start.input is not None:
        rows.append((arn, INPUT, 0, dumps_text(start.input)))
    if rows:
        conn.executemany(UPSERT, rows)


def changed_indexes(items: list[Any], before: list[Any], by_value: bool) -> Iterator[int]:
    """The positions in `items` whose element is not the one `before` had there (by identity,
    or by value), then those past its end. The comparison runs in C (map, compress): a save
    of a long execution compares every element it has, at every checkpoint."""
    changed = operator.ne if by_value else operator.is_not
    common = min(len(items), len(before))
    differ = itertools.compress(range(common), map(changed, items, before))
    return itertools.chain(differ, range(common, len(items)))


def changed_items(mapping: dict[str, Any], before: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    """The entries of `mapping` that `before` does not have as they are, compared in C when
    the values are hashable (the maps hold numbers, mostly)."""
    try:
        return mapping.items() - before.items()
    except TypeError:  # an unhashable value
        return [(k, v) for k, v in mapping.items() if before.get(k, _ABSENT) != v]


def document(conn: sqlite3.Connection, arn: str, shell: str) -> tuple[dict[str, Any], bool]:
    """The runner's document of the execution, and whether it is stored in parts as this
    module writes them (an execution saved before parts existed keeps them all in its shell,
    and one saved before the input was a part keeps that there: each is read as it is, and
    written whole at its next save)."""
    data: dict[str, Any] = loads(shell)
    rows = conn.execute(
        f"SELECT part, key, data FROM {TABLE} WHERE durable_execution_arn = ? ORDER BY part, key",
        (arn,),
    ).fetchall()
    inline_input = INPUT in data.get("StartInput", {})
    if not rows:
        return data, False
    for part in LISTS:
        data[part] = []
    for part in MAPS:
        data[part] = {}
    for part, key, text in rows:
        value = loads(text)
        if part in LISTS:
            data[part].append(value)
        elif part in MAPS:
            data[part][key] = value
        elif part == INPUT:
            data["StartInput"][INPUT] = value
    return data, not inline_input
