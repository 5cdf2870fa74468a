"""Headless Neovim (Debian's 0.7.2, or later) opens a sample, renders the lenses, runs
lamina.run through the Run lens, and checks the result (see neovim_lamina.lua)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[1] / "samples"


def test_neovim_runs_a_handler_through_its_lens(tmp_path: Path) -> None:
    nvim = shutil.which("nvim")
    if nvim is None:
        pytest.fail("nvim is not installed (make e2e installs it)")
    root = tmp_path / "http-api"
    shutil.copytree(SAMPLES / "http-api", root, ignore=shutil.ignore_patterns("__pycache__"))
    result_file = tmp_path / "result.json"
    xdg = tmp_path / "xdg"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "LAMINA_E2E_ROOT": str(root),
            "LAMINA_E2E_PYTHON": sys.executable,
            "LAMINA_E2E_RESULT": str(result_file),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            **{
                f"XDG_{kind}_HOME": str(xdg / kind.lower())
                for kind in ("DATA", "CACHE", "STATE", "CONFIG")
            },
        }
    )
    command = [nvim, "--headless", "--clean", "-n", "-i", "NONE", "-u", "NONE",
               "-c", f"luafile {HERE / 'neovim_lamina.lua'}"]  # fmt: skip
    out = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, timeout=120)
    report = json.loads(result_file.read_text()) if result_file.exists() else {}
    assert out.returncode == 0, (report.get("message"), out.stdout[-2000:], out.stderr[-2000:])
    assert report["ok"] is True
    titles = [lens["text"] for lens in report["rendered"]]
    # The HTTP API route's lenses (lamina api) come first on the line, then the function's four.
    assert titles[-4:] == ["▶ Run", "⚙ Debug", "⇪ Sync", "{ } Event: get-item"]
    assert titles[0].startswith("🌐 ANY /{proxy+}"), titles
    assert report["run"]["payload"]["statusCode"] == 200
    assert any(m.startswith("✓ ItemsFunction with get-item") for m in report.get("messages", []))
