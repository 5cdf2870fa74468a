"""What the two Emacs suites share: the echo project as a repository, the environment that tells
the Emacs Lisp driver where things are, and one batch run of Emacs that hands back its report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lsp"))
from lsp_harness import write_echo_project  # noqa: E402


def run_emacs_driver(tmp_path: Path, driver: str, package: str) -> tuple[Path, dict[str, Any]]:
    """Run `emacs --batch -l tests/e2e/<driver>` in the echo project (with a .git, which eglot
    and lsp-mode take as the project root); the project root and the driver's JSON report.

    Fails, with the report's message and Emacs's output, when the driver exits non-zero."""
    emacs = shutil.which("emacs")
    if emacs is None:
        pytest.fail(f"emacs is not installed (make e2e installs emacs-nox and {package})")
    root = write_echo_project(tmp_path / "echo")
    (root / ".git").mkdir()
    result_file = tmp_path / "result.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "LAMINA_E2E_ROOT": str(root),
            "LAMINA_E2E_PYTHON": sys.executable,
            "LAMINA_E2E_RESULT": str(result_file),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "HOME": str(tmp_path / "home"),
            # Lambda's runtime packages are installed once per user, as for any other test, not
            # again under the test's HOME: that install can outlast eglot's 10 s request
            # timeout on a busy machine (Run failed with "Timed out").
            "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache"),
        }
    )
    command = [emacs, "--batch", "-l", str(HERE / driver)]
    out = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, timeout=180)
    report: dict[str, Any] = json.loads(result_file.read_text()) if result_file.exists() else {}
    assert out.returncode == 0, (report.get("message"), out.stdout[-3000:], out.stderr[-3000:])
    return root, report
