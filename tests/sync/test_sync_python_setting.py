"""The `python` setting sync builds dependencies with: a path is the project's, as for runs
(project/folder_settings.py), whatever folder the command or the language server runs in."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from lamina.deploy.sync_settings import SyncSettings, sync_python


def test_a_relative_python_setting_is_the_projects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir("/")  # not the project's folder: the path must not follow the cwd
    settings = SyncSettings.from_mapping({"python": ".venv/bin/python"})
    assert sync_python(settings, project) == str(project / ".venv" / "bin" / "python")


def test_a_bare_name_absolute_path_or_no_setting() -> None:
    root = Path("/somewhere")
    assert sync_python(SyncSettings.from_mapping({"python": "python3.12"}), root) == "python3.12"
    assert sync_python(SyncSettings.from_mapping({"python": "/opt/py/bin/python"}), root) == (
        "/opt/py/bin/python"
    )
    home = sync_python(SyncSettings.from_mapping({"python": "~/py/bin/python"}), root)
    assert home == os.path.expanduser("~/py/bin/python")
    assert sync_python(SyncSettings.from_mapping({}), root) == sys.executable
