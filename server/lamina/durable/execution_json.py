"""An execution's stored JSON, without serializing it whole on every save.

The testing runner's store writes `json.dumps(execution.to_json_dict())` after each
checkpoint: every operation and every update the execution ever had, so a 100-step workflow
serialized ~10,000 operations and most of its checkpoint time went there. Operations and
updates are frozen dataclasses, replaced (never changed) when they move on, so each one's JSON
is kept by identity and only new ones are serialized. The rest of the execution goes through
the runner's own `to_json_dict`, on a shallow copy whose two long lists are stand-ins, so the
stored document is the runner's (it loads with `Execution.from_json_dict` as before).
"""

from __future__ import annotations

import copy
import json
from typing import Any

_OPERATIONS = "\x00lamina-operations\x00"
_UPDATES = "\x00lamina-updates\x00"


class _StandIn:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def to_json_dict(self) -> str:
        return self.marker

    def to_dict(self) -> str:
        return self.marker


_OPERATIONS_STAND_IN = [_StandIn(_OPERATIONS)]
_UPDATES_STAND_IN = [_StandIn(_UPDATES)]
_OPERATIONS_JSON = json.dumps([_OPERATIONS])
_UPDATES_JSON = json.dumps([_UPDATES])

# id(object) -> (object, its JSON); the object is kept so that its id is not reused.
Fragments = dict[int, tuple[Any, str]]


class ExecutionJson:
    """The JSON of one execution's successive saves (one per execution; not thread-safe:
    the store calls it under its lock)."""

    def __init__(self) -> None:
        self._operations: Fragments = {}
        self._updates: Fragments = {}

    def dumps(self, execution: Any) -> str:
        shell = copy.copy(execution)
        shell.operations = _OPERATIONS_STAND_IN
        shell.updates = _UPDATES_STAND_IN
        text = json.dumps(shell.to_json_dict())
        operations, self._operations = _fragments(
            execution.operations, self._operations, "to_json_dict"
        )
        updates, self._updates = _fragments(execution.updates, self._updates, "to_dict")
        text = text.replace(_OPERATIONS_JSON, "[" + ", ".join(operations) + "]", 1)
        return text.replace(_UPDATES_JSON, "[" + ", ".join(updates) + "]", 1)


def _fragments(items: list[Any], known: Fragments, method: str) -> tuple[list[str], Fragments]:
    texts: list[str] = []
    kept: Fragments = {}
    for item in items:
        hit = known.get(id(item))
        if hit is None or hit[0] is not item:
            hit = (item, json.dumps(getattr(item, method)()))
        kept[id(item)] = hit
        texts.append(hit[1])
    return texts, kept
