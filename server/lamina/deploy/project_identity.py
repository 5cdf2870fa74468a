"""Which project a function on a shared emulator belongs to.

Every `sam init` project has a `HelloWorldFunction`: two projects syncing to one `lamina serve`
would silently overwrite each other's function. Sync tags each function it creates with the
project's id (kept in `.lamina/state/project-id`, made once) and its root, and refuses to deploy
over a function another project's id is on, unless told to (--force).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from lamina.project.workspace import state_dir

PROJECT_TAG = "lamina:project"
PROJECT_ROOT_TAG = "lamina:project-root"
_ID_FILE = "project-id"


def project_id(root: Path) -> str:
    """This project's id: read from .lamina/state/project-id, made on first use."""
    path = state_dir(root) / _ID_FILE
    try:
        known = path.read_text().strip()
    except OSError:
        known = ""
    if known:
        return known
    made = uuid.uuid4().hex[:16]
    staging = path.with_suffix(".tmp")
    staging.write_text(made + "\n")
    staging.replace(path)
    return made


def ownership_conflict(
    tags: dict[str, str], our_id: str, our_root: str, logical_id: str, name: str
) -> str | None:
    """The refusal message when the function carries another project's id, else None."""
    theirs = tags.get(PROJECT_TAG)
    if not theirs or theirs == our_id:
        return None
    their_root = tags.get(PROJECT_ROOT_TAG) or f"project {theirs}"
    return (
        f"{logical_id}: the emulator's function {name!r} belongs to another project "
        f"({their_root}); this project is {our_root}. Syncing would overwrite it: give this one "
        "its own name (FunctionName in the template, or the sync.namePrefix setting), or sync "
        "with --force to take it over"
    )
