"""Emacs with lsp-mode and dap-mode (Debian 12: elpa-lsp-mode 8.0, elpa-dap-mode 0.7, installed
by `make e2e`): lsp-lens-mode draws Lamina's lenses over the handler, the Run lens's own action
runs it, and the Debug lens plus dap-mode stop at a breakpoint in the handler (see
lsp_mode_lamina.el)."""

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


def test_lsp_mode_lenses_run_and_a_dap_mode_breakpoint(tmp_path: Path) -> None:
    emacs = shutil.which("emacs")
    if emacs is None:
        pytest.fail("emacs is not installed (make e2e installs emacs-nox and elpa-lsp-mode)")
    root = write_echo_project(tmp_path / "echo")
    (root / ".git").mkdir()  # lsp-mode guesses the project root from it
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
    command = [emacs, "--batch", "-l", str(HERE / "lsp_mode_lamina.el")]
    out = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, timeout=180)
    report = json.loads(result_file.read_text()) if result_file.exists() else {}
    assert out.returncode == 0, (report.get("message"), out.stdout[-3000:], out.stderr[-3000:])
    assert report["lenses"] == ["▶ Run", "⚙ Debug", "⇪ Sync", "{ } Event: hello"]
    assert report["lens-line"] == 7  # def handler(event, context):
    assert (report["run-ok"], report["function"], report["event"]) == (
        True,
        "EchoFunction",
        "hello",
    )
    # dap-mode attached through lamina/debugReady and stopped in the user's own file.
    assert report["stopped-path"] == str(root / "src" / "app.py")
    assert report["stopped-line"] == 8  # print("echo got", event)
    assert report["debug-ok"] is True
