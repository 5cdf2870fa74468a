"""Sample events: `*.json` files in a function's own `events/` folder and the project's `events/`.

The function's own events come first; a project event with the same name is hidden by it
(SAM's hello-world keeps `events/event.json` at the project root).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Collection, Mapping
from pathlib import Path

from lamina.project.spec import FunctionSpec, ProjectError, SampleEvent

EVENTS_FOLDER = "events"


def _events_in(folder: Path) -> list[SampleEvent]:
    if not folder.is_dir():
        return []
    files = sorted(
        (path for path in folder.glob("*.json") if path.is_file()),
        key=lambda path: path.stem.lower(),  # the name users see: 'a' before 'a-b'
    )
    return [SampleEvent(name=path.stem, path=path) for path in files]


def event_folders(spec: FunctionSpec, project_root: Path) -> list[Path]:
    """Where the function's events live, most specific first (deduplicated)."""
    folders: list[Path] = []
    for folder in (spec.code_dir / EVENTS_FOLDER, project_root / EVENTS_FOLDER):
        absolute = Path(os.path.abspath(folder))
        if absolute not in folders:
            folders.append(absolute)
    return folders


def events_for(
    spec: FunctionSpec, project_root: Path, owners: Mapping[str, str] | None = None
) -> list[SampleEvent]:
    """The function's sample events: its own first, then the project's; names are unique.
    `owners` (event_owners of the project's functions): a project event named after one of
    them is that function's only; the others are everyone's."""
    events: list[SampleEvent] = []
    names: set[str] = set()
    project_folder = Path(os.path.abspath(project_root / EVENTS_FOLDER))
    for folder in event_folders(spec, project_root):
        for event in _events_in(folder):
            if owners and folder == project_folder:
                owner = _owner(event.name, owners)
                if owner is not None and owner != spec.logical_id:
                    continue  # another function's event
            if event.name not in names:
                names.add(event.name)
                events.append(event)
    return events


def event_owners(functions: Collection[str]) -> dict[str, str]:
    """Event names -> the function they belong to: each function's kebab-case name (as
    `lamina new` names events) and its logical id in lower case."""
    owners: dict[str, str] = {}
    for name in functions:
        owners[_kebab(name)] = name
        owners.setdefault(name.lower(), name)
    return owners


@functools.lru_cache(maxsize=4096)
def _kebab(logical_id: str) -> str:
    from lamina.project.scaffold_kinds import FunctionNames

    return FunctionNames.from_logical_id(logical_id).kebab


def _owner(event: str, owners: Mapping[str, str]) -> str | None:
    """The function an event is named after: its whole name, else its longest `-` prefix."""
    name = event.lower()
    if name in owners:
        return owners[name]
    parts = name.split("-")
    for end in range(len(parts) - 1, 0, -1):
        prefix = "-".join(parts[:end])
        if prefix in owners:
            return owners[prefix]
    return None


def _existing_file(name_or_path: str, bases: list[Path]) -> Path | None:
    candidate = Path(name_or_path).expanduser()
    paths = [candidate] if candidate.is_absolute() else [base / candidate for base in bases]
    for path in paths:
        if path.is_file():
            return Path(os.path.abspath(path))
    return None


def find_event(
    spec: FunctionSpec, project_root: Path, name_or_path: str, cwd: Path | None = None
) -> Path:
    """The event file meant by an event name (`event`, `event.json`) or a path to a JSON file.

    Paths are tried relative to `cwd` (default: the current directory), then the project root,
    then the function's code folder. Raises ProjectError listing the available names otherwise.
    """
    events = events_for(spec, project_root)
    by_name = {event.name: event.path for event in events}
    name = name_or_path.removesuffix(".json")
    looks_like_path = "/" in name_or_path or os.sep in name_or_path
    if not looks_like_path and name in by_name:
        return by_name[name]
    found = _existing_file(name_or_path, [cwd or Path.cwd(), project_root, spec.code_dir])
    if found is not None:
        return found
    if name in by_name:
        return by_name[name]
    if events:
        available = f"available: {', '.join(event.name for event in events)}"
    else:
        folders = " or ".join(str(folder) for folder in event_folders(spec, project_root))
        available = f"no *.json events in {folders}"
    kind = "event file" if looks_like_path else "event"
    raise ProjectError(f"no {kind} '{name_or_path}' for function {spec.logical_id} ({available})")
