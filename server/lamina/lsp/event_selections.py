"""The event each function runs with, as chosen in the editor (`lamina.selectEvent`).

Kept in `.lamina/state/selected-events.json`, so a restart of the editor keeps the choice;
it is personal state, not committed (`.lamina/state/` is git-ignored).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from lamina.project.spec import FunctionSpec

log = logging.getLogger(__name__)
FILE_NAME = "selected-events.json"


class EventSelections:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._chosen: dict[str, str] | None = None
        self.revision = 0  # counts changes, for the lens cache

    def _path(self) -> Path:
        return self.root / ".lamina" / "state" / FILE_NAME

    def _load(self) -> dict[str, str]:
        if self._chosen is None:
            try:
                data = json.loads(self._path().read_text(encoding="utf-8"))
                self._chosen = (
                    {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
                )
            except (OSError, ValueError):
                self._chosen = {}
        return self._chosen

    def get(self, function: str) -> str | None:
        return self._load().get(function)

    def set(self, function: str, event: str) -> None:
        chosen = self._load()
        chosen[function] = event
        self.revision += 1
        try:
            from lamina.project.workspace import state_dir

            state_dir(self.root)
            self._path().write_text(json.dumps(chosen, indent=2) + "\n", encoding="utf-8")
        except OSError as e:
            log.warning("cannot save the selected event: %s", e)


def event_label(
    spec: FunctionSpec, selections: EventSelections, default_event: str | None
) -> str | None:
    """The event a run of `spec` uses when none is given: the selected one, else the default
    event setting, else the first sample event named after the function (`lamina new` names
    them so), else its first sample event (None: an empty `{}`)."""
    from lamina.project.scaffold_kinds import FunctionNames

    names = [event.name for event in spec.events]
    chosen = selections.get(spec.logical_id)
    if chosen and (chosen in names or "/" in chosen or chosen.endswith(".json")):
        return chosen
    if default_event and (default_event.removesuffix(".json") in names or "/" in default_event):
        return default_event
    if not names:
        return None
    own = FunctionNames.from_logical_id(spec.logical_id).kebab
    named = [name for name in names if name == own or name.startswith(f"{own}-")]
    if named:
        return named[0]
    return names[0]
