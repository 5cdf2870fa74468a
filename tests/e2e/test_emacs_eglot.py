"""Emacs with eglot (Debian 12: Emacs 28 and elpa-eglot, installed by `make e2e`) drives
`lamina lsp` through eglot's own functions (see eglot_lamina.el): the code actions on a handler's
def line, Run with an event and Debug through them, a diagnostic and its quick fix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lsp"))
from lsp_harness import write_echo_project  # noqa: E402


def test_eglot_reaches_every_action_and_a_quick_fix(tmp_path: Path) -> None:
    emacs = shutil.which("emacs")
    if emacs is None:
        pytest.fail("emacs is not installed (make e2e installs emacs-nox and elpa-eglot)")
    root = write_echo_project(tmp_path / "echo")
    (root / ".git").mkdir()  # eglot's project root, as in a repository
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
        }
    )
    command = [emacs, "--batch", "-l", str(HERE / "eglot_lamina.el")]
    out = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, timeout=180)
    report = json.loads(result_file.read_text()) if result_file.exists() else {}
    assert out.returncode == 0, (report.get("message"), out.stdout[-3000:], out.stderr[-3000:])
    assert report["titles"][:6] == [
        "Lamina: Run EchoFunction (event hello)",
        "Lamina: Debug EchoFunction (event hello)",
        "Lamina: Sync EchoFunction",
        "Lamina: Run EchoFunction with hello",
        "Lamina: Run EchoFunction with other",
        "Lamina: Next event for EchoFunction",
    ]
    assert "Lamina: Start the emulator" in report["titles"]
    assert report["kinds"] == ["source.lamina"]
    assert report["only-source-lamina"] == len(report["titles"])
    assert report["run"]["ok"] is True
    assert report["run"]["payload"]["event"] == {"name": "other"}
    assert report["debug"]["type"] == "debugpy" and report["debug"]["connect"]["port"] > 0
    assert report["diagnostic"] == "handler-signature"
    assert report["quickfixes"] == ["Change to handler(event, context)"]
    assert report["fixed-line"] == "def handler(event, context):"
    # Eglot sends the diagnostics at point with every plain request: the fix, never a run.
    assert not any(title.startswith("Lamina: Run") for title in report["plain-with-diagnostics"])
