"""The template's Python: `Runtime: python3.X` picks the interpreter, through the real CLI.

This machine image has pyenv interpreters 3.9-3.13 under ~/.pyenv/versions (CI runs where those
exist; elsewhere the tests that need one are skipped). No 3.14 can be installed here, so python3.14
exercises the no-match path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lamina.runtime.interpreters import choose_interpreter

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
{resources}
"""
FUNCTION = """\
  {name}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: {runtime}
"""
HANDLER = """\
import os, sys
def handler(event, context):
    return {"version": "%d.%d" % sys.version_info[:2], "env": os.environ["AWS_EXECUTION_ENV"]}
"""


def pyenv_python(version: str) -> str:
    found = sorted((Path.home() / ".pyenv" / "versions").glob(f"{version}.*/bin/python{version}"))
    if not found:
        pytest.skip(f"no Python {version} under ~/.pyenv/versions on this machine")
    return str(found[-1])


def make_project(root: Path, runtimes: dict[str, str], pyproject: str = "") -> Path:
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "src" / "app.py").write_text(HANDLER)
    resources = "".join(FUNCTION.format(name=n, runtime=r) for n, r in runtimes.items())
    (root / "template.yaml").write_text(TEMPLATE.format(resources=resources))
    if pyproject:
        (root / "pyproject.toml").write_text(textwrap.dedent(pyproject))
    return root


def lamina(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "AKIADEVELOPER", "AWS_SECRET_ACCESS_KEY": "dev-secret"})
    return subprocess.run(
        [sys.executable, "-m", "lamina", *args],
        cwd=cwd,
        input="{}",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("lamina: warning:")]


def test_each_function_runs_on_its_templates_python(tmp_path: Path) -> None:
    pyenv_python("3.9"), pyenv_python("3.12")
    project = make_project(tmp_path, {"OldFunction": "python3.9", "NewFunction": "python3.12"})
    for name, version in (("OldFunction", "3.9"), ("NewFunction", "3.12")):
        out = lamina("invoke", name, cwd=project)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout) == {
            "version": version,
            "env": f"AWS_Lambda_python{version}",
        }
    listed = json.loads(lamina("functions", "--json", cwd=project).stdout)
    assert {row["logicalId"]: row["pythonVersion"] for row in listed} == {
        "OldFunction": "3.9",
        "NewFunction": "3.12",
    }


def test_no_matching_python_is_one_warning_and_a_truthful_execution_env(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"FutureFunction": "python3.14"})
    out = lamina("invoke", "FutureFunction", cwd=project)
    assert out.returncode == 0, out.stderr
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert json.loads(out.stdout) == {"version": here, "env": "AWS_Lambda_python3.14"}
    [warning] = warnings(out.stderr)
    assert "FutureFunction: the template says python3.14 but no Python 3.14 was found" in warning
    assert f"running it on Python {here}" in warning and "uv python install 3.14" in warning

    strict = lamina("invoke", "FutureFunction", "--strict-runtime", cwd=project)
    assert strict.returncode == 2
    [line] = strict.stderr.strip().splitlines()
    assert line.startswith("error: FutureFunction: the template says python3.14")
    assert "Traceback" not in strict.stderr


def test_the_strict_runtime_setting(tmp_path: Path) -> None:
    project = make_project(
        tmp_path, {"FutureFunction": "python3.14"}, "[tool.lamina]\nstrictRuntime = true\n"
    )
    out = lamina("invoke", "FutureFunction", cwd=project)
    assert out.returncode == 2 and "no Python 3.14 was found" in out.stderr


def test_the_interpreters_setting_maps_a_runtime(tmp_path: Path) -> None:
    python = pyenv_python("3.13")
    project = make_project(
        tmp_path,
        {"Fn": "python3.13"},
        f'[tool.lamina.interpreters]\n"python3.13" = "{python}"\n',
    )
    [row] = json.loads(lamina("functions", "--json", cwd=project).stdout)
    assert (row["python"], row["pythonVersion"]) == (python, "3.13")
    assert row["pythonSource"] == "interpreters setting"


def test_explicit_python_wins_with_a_warning(tmp_path: Path) -> None:
    python = pyenv_python("3.13")
    project = make_project(tmp_path, {"NewFunction": "python3.12"})
    out = lamina("invoke", "NewFunction", "--python", python, cwd=project)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"version": "3.13", "env": "AWS_Lambda_python3.12"}
    [warning] = warnings(out.stderr)
    assert f"--python {python} is Python 3.13 but the template says python3.12" in warning


def test_deprecated_runtimes_are_named() -> None:
    before = choose_interpreter("Fn", "python3.10", today="2026-11-01")
    after = choose_interpreter("Fn", "python3.10", today="2026-12-01")
    current = choose_interpreter("Fn", "python3.13", today="2026-12-01")
    deprecation = [w for w in before.warnings if "deprecated" in w]
    assert deprecation == [
        "Fn: AWS deprecated python3.10 on 2026-10-31; Lambda refuses new python3.10 "
        "functions from 2026-11-30; move to python3.13"
    ]
    assert any("no longer accepts new python3.10 functions" in w for w in after.warnings)
    assert not any("deprecated" in w for w in current.warnings)


def test_a_pyenv_root_is_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in 3.14 in a pyenv layout: it answers the version probe as 3.14.
    folder = tmp_path / "pyenv" / "versions" / "3.14.0" / "bin"
    folder.mkdir(parents=True)
    fake = folder / "python3.14"
    fake.write_text(
        f'#!/bin/sh\n[ "$2" = "-c" ] && echo "3.14 x86_64" && exit 0\nexec {sys.executable} "$@"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    choice = choose_interpreter("Fn", "python3.14")
    assert (choice.path, choice.version, choice.source) == (str(fake), "3.14", "pyenv")
    assert choice.warnings == ()
