"""Saved run configurations: a function, an event and env overrides under a name.

They live in `.lamina/run-configurations.json` (meant to be committed), shared by the editors
(`lamina.saveRunConfiguration`, `lamina.run {runConfiguration}`) and the CLI
(`lamina invoke --config NAME`):

    {
      "version": 1,
      "configurations": [
        {"name": "get item", "function": "ItemsFunction", "event": "get-item",
         "env": {"LOG_LEVEL": "DEBUG"}}
      ]
    }

Saving one also writes the IDEs' own forms (see ide_run_files).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamina.project.spec import ProjectError

RUN_CONFIGURATIONS_FILE = Path(".lamina") / "run-configurations.json"
FORMAT_VERSION = 1
MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class RunConfiguration:
    """What to run: a function (logical id, function name or file.py:function), an event (a
    name or a path; None: the default), and environment variables over the function's own."""

    name: str
    function: str
    event: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "function": self.function}
        if self.event:
            data["event"] = self.event
        if self.env:
            data["env"] = dict(self.env)
        return data


def run_configurations_path(root: Path) -> Path:
    return root / RUN_CONFIGURATIONS_FILE


def check_name(name: str) -> str:
    """The name, stripped; ProjectError when it can't name a configuration."""
    cleaned = name.strip()
    if not cleaned:
        raise ProjectError("a run configuration needs a name")
    if len(cleaned) > MAX_NAME_LENGTH or any(ch in cleaned for ch in '\r\n\t"'):
        raise ProjectError(
            f"run configuration name {name!r} must be one line of at most "
            f"{MAX_NAME_LENGTH} characters, with no double quote"
        )
    return cleaned


def _from_json(item: Any, path: Path, index: int) -> RunConfiguration:
    where = f"configurations[{index}]"
    if not isinstance(item, Mapping):
        raise ProjectError(f"{where} must be an object", path)
    name, function, event = item.get("name"), item.get("function"), item.get("event")
    if not isinstance(name, str) or not name.strip():
        raise ProjectError(f'{where} needs a "name" string', path)
    if not isinstance(function, str) or not function.strip():
        raise ProjectError(f'{where} ({name}) needs a "function" string', path)
    if event is not None and not isinstance(event, str):
        raise ProjectError(f'{where} ({name}): "event" must be a string', path)
    env = item.get("env") or {}
    if not isinstance(env, Mapping):
        raise ProjectError(f'{where} ({name}): "env" must be an object', path)
    return RunConfiguration(
        name=name.strip(),
        function=function.strip(),
        event=event or None,
        env={str(key): env_value(value) for key, value in env.items()},
    )


def env_value(value: object) -> str:
    """An env var value as Lambda would see it (JSON true → "true", null → "")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def load_run_configurations(root: Path) -> list[RunConfiguration]:
    """The saved configurations ([] without the file). Raises ProjectError when it is broken."""
    path = run_configurations_path(root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as e:
        raise ProjectError(f"cannot read: {e}", path) from None
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ProjectError(f"invalid JSON: {e}", path, getattr(e, "lineno", None)) from None
    items = data.get("configurations") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise ProjectError('expected {"configurations": [...]}', path)
    return [_from_json(item, path, index) for index, item in enumerate(items)]


def find_run_configuration(root: Path, name: str) -> RunConfiguration:
    configurations = load_run_configurations(root)
    for configuration in configurations:
        if configuration.name == name.strip():
            return configuration
    known = ", ".join(c.name for c in configurations) or "none saved yet"
    raise ProjectError(
        f"no run configuration '{name}' in {RUN_CONFIGURATIONS_FILE} (known: {known})"
    )


def save_run_configuration(root: Path, configuration: RunConfiguration) -> Path:
    """Add the configuration, replacing one of the same name, and return the file written."""
    configurations = [c for c in load_run_configurations(root) if c.name != configuration.name]
    configurations.append(configuration)
    path = run_configurations_path(root)
    document = {
        "version": FORMAT_VERSION,
        "configurations": [c.to_json() for c in configurations],
    }
    write_text_atomically(path, json.dumps(document, indent=2) + "\n")
    return path


def write_text_atomically(path: Path, text: str) -> None:
    """Write through a temp file and a rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temp, path)
        os.chmod(path, 0o644)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
