"""`lamina api --env-vars` and the project flags (-t, --parameter-overrides), as `sam local
start-api` takes them: a new user points the API's functions at a local DynamoDB this way."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import requests

from gateway.harness import APPS, ApiProcess


def _write_overrides(root: Path) -> None:
    (root / "env.json").write_text(
        '{"Parameters": {"SHARED": "all"}, "TableWriter": {"TABLE": "local-table"}}'
    )


def test_env_vars_and_parameter_overrides_reach_each_function(tmp_path: Path) -> None:
    api = ApiProcess(
        "env_overrides",
        tmp_path,
        "--env-vars",
        "env.json",
        "--parameter-overrides",
        "Greeting=hi",
        prepare=_write_overrides,
    )
    try:
        reader = requests.get(api.url + "/reader", timeout=60).json()
        writer = requests.get(api.url + "/writer", timeout=60).json()
    finally:
        api.stop()
    # Parameters apply to every function, a function's own section to it alone.
    assert reader == {"GREETING": "hi", "TABLE": "from-template", "SHARED": "all"}
    assert writer == {"GREETING": "hi", "TABLE": "local-table", "SHARED": "all"}


def test_a_broken_env_vars_file_is_one_error_line(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(APPS / "env_overrides", root)
    (root / "env.json").write_text('{"TableWriter": ')
    done = subprocess.run(
        [sys.executable, "-m", "lamina", "api", "--port", "0", "--env-vars", "env.json"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: env.json:1: invalid JSON: ")
