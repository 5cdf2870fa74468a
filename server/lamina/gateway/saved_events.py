"""The event of a function's last request, saved to its `events/` folder so `lamina invoke
FUNCTION --event last-request-FUNCTION` (or the editor's Run) replays it."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from lamina.project.events import EVENTS_FOLDER
from lamina.project.spec import FunctionSpec


def last_request_name(spec: FunctionSpec) -> str:
    return f"last-request-{spec.logical_id}"


def save_last_event(spec: FunctionSpec, event: bytes) -> Path:
    """Write the event, pretty-printed, atomically (an editor may have the file open)."""
    folder = spec.code_dir / EVENTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{last_request_name(spec)}.json"
    text = json.dumps(json.loads(event), indent=2) + "\n"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".last-request-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
