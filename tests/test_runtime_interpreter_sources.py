"""Where a template's Python is looked for besides PATH and pyenv (issue 16): uv-managed and
conda interpreters, in that order, then the `python` setting only when its version matches.
Each stand-in is a real executable that answers Lamina's version probe as 3.14 (no real 3.14
can be installed on this machine) and runs the real interpreter otherwise."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lamina.runtime.interpreters import choose_interpreter


def stand_in(folder: Path, version: str = "3.14") -> Path:
    folder.mkdir(parents=True)
    path = folder / f"python{version}"
    path.write_text(
        f'#!/bin/sh\n[ "$2" = "-c" ] && echo "{version} x86_64" && exit 0\n'
        f'exec {sys.executable} "$@"\n'
    )
    path.chmod(0o755)
    return path


@pytest.fixture
def bare_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home with no pyenv, uv or conda of its own, and a PATH without python3.14."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    for name in ("PYENV_ROOT", "UV_PYTHON_INSTALL_DIR", "CONDA_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    return home


def test_a_uv_managed_python_is_found(bare_home: Path) -> None:
    uv = bare_home / ".local" / "share" / "uv" / "python"
    stand_in(uv / "cpython-3.14.0-linux-x86_64-gnu" / "bin")
    newest = stand_in(uv / "cpython-3.14.2-linux-x86_64-gnu" / "bin")
    choice = choose_interpreter("Fn", "python3.14")
    assert (choice.path, choice.version, choice.source) == (str(newest), "3.14", "uv")
    assert choice.warnings == ()


def test_uv_python_install_dir_is_honoured(bare_home: Path, monkeypatch) -> None:
    elsewhere = bare_home.parent / "uv-pythons"
    found = stand_in(elsewhere / "cpython-3.14.1-linux-x86_64-gnu" / "bin")
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(elsewhere))
    assert choose_interpreter("Fn", "python3.14").path == str(found)


def test_a_conda_environment_is_found_after_uv(bare_home: Path, monkeypatch) -> None:
    env = stand_in(bare_home / "miniconda3" / "envs" / "py314" / "bin")
    choice = choose_interpreter("Fn", "python3.14")
    assert (choice.path, choice.source) == (str(env), "conda")
    uv = stand_in(bare_home / ".local" / "share" / "uv" / "python" / "cpython-3.14.0-x" / "bin")
    assert choose_interpreter("Fn", "python3.14").path == str(uv)  # uv comes first


def test_an_active_conda_prefix_is_found(bare_home: Path, monkeypatch) -> None:
    prefix = bare_home.parent / "conda-env"
    found = stand_in(prefix / "bin")
    monkeypatch.setenv("CONDA_PREFIX", str(prefix))
    assert choose_interpreter("Fn", "python3.14").source == "conda"
    assert choose_interpreter("Fn", "python3.14").path == str(found)


def test_the_python_setting_counts_only_when_its_version_matches(bare_home: Path) -> None:
    matching = stand_in(bare_home.parent / "setting-314")
    choice = choose_interpreter("Fn", "python3.14", python_setting=str(matching))
    assert (choice.path, choice.source, choice.warnings) == (str(matching), "python setting", ())
    # A 3.13 setting for a python3.14 function: used only as the fallback, with the warning.
    other = stand_in(bare_home.parent / "setting-313", "3.13")
    choice = choose_interpreter("Fn", "python3.14", python_setting=str(other))
    assert (choice.path, choice.version, choice.source) == (str(other), "3.13", "python setting")
    [warning] = choice.warnings
    assert "no Python 3.14 was found" in warning and "running it on Python 3.13" in warning
