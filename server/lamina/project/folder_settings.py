"""Settings that map a name to a local folder (`layers`: ARN -> layer content, `efs`: access
point or mount path -> folder): a relative folder is the project's, whatever the working
directory of the command or the language server that reads it."""

from __future__ import annotations

import os
from pathlib import Path


def folder_mapping(value: object, root: Path) -> dict[str, object] | None:
    """The mapping with `~` expanded and relative folders made absolute under `root`; None
    when the setting is not a mapping."""
    if not isinstance(value, dict):
        return None
    resolved: dict[str, object] = {}
    for key, folder in value.items():
        if isinstance(folder, str) and folder:
            folder = str(root / os.path.expanduser(folder))  # an absolute one stays as it is
        resolved[key] = folder
    return resolved


def interpreter_path(value: str, root: Path) -> str:
    """An interpreter setting (`python`, an `interpreters` entry): a path with a folder in it
    (`.venv/bin/python`) is the project's; a bare name (`python3.12`) is looked up on PATH."""
    expanded = os.path.expanduser(value)
    if os.sep not in expanded and "/" not in expanded:
        return value
    return str(root / expanded)  # an absolute one stays as it is


def interpreter_mapping(value: object, root: Path) -> dict[str, object] | None:
    """The `interpreters` setting (runtime -> interpreter) with each path made the project's."""
    if not isinstance(value, dict):
        return None
    return {
        k: interpreter_path(v, root) if isinstance(v, str) and v else v for k, v in value.items()
    }
