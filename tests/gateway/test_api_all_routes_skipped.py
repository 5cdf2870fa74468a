"""`lamina api` on a template whose API routes all belong to functions Lamina skips (a nodejs
function of a mixed SAM app): it says why there is nothing to serve, not "no API events"
(issue 16, a message found on real projects)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from skipped_routes_template import NODE_ONLY_API


def test_all_routes_skipped_is_said_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(NODE_ONLY_API)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    out = subprocess.run(
        [sys.executable, "-m", "lamina", "api", "--port", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 2, out
    lines = out.stderr.strip().splitlines()
    assert "NodeFunction: skipped: Runtime nodejs20.x is not a Python runtime" in lines[0]
    assert lines[-1] == (
        f"error: {tmp_path / 'template.yaml'}: nothing to serve: the template's 1 API route(s) "
        "are all skipped (the warnings above say why)"
    )
    assert "no API events" not in out.stderr and "Traceback" not in out.stderr
