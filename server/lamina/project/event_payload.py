"""An invocation's event bytes: a sample event by name or path, checked to be JSON.

Shared by `lamina invoke` and the language server, so that both report a broken event the
same way: one line with the file and the line of the JSON error.
"""

from __future__ import annotations

import json
from pathlib import Path

from lamina.project.events import find_event
from lamina.project.spec import FunctionSpec, ProjectError


def check_event_json(data: bytes, where: Path) -> None:
    """Raise ProjectError (with the line) when `data` is not JSON."""
    try:
        json.loads(data)
    except ValueError as e:
        raise ProjectError(
            f"the event is not valid JSON: {e}", where, getattr(e, "lineno", None)
        ) from None


def read_event_file(
    spec: FunctionSpec, project_root: Path, name_or_path: str, cwd: Path | None = None
) -> tuple[bytes, Path]:
    """The bytes of the event meant by a name or a path, and its file. Raises ProjectError."""
    where = find_event(spec, project_root, name_or_path, cwd)
    try:
        data = where.read_bytes()
    except OSError as e:
        raise ProjectError(f"cannot read the event: {e.strerror}", where) from None
    check_event_json(data, where)
    return data, where
