"""Where unprivileged namespaces are not available (macOS, a locked-down kernel), a run says once
what differs and runs as before (issue 16). A kernel without them is made here: `unshare -Ur`
then `user.max_user_namespaces = 0` inside that user namespace, so Lamina's own check fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HANDLER = """\
import os
def handler(event, context):
    open(os.path.join(os.path.dirname(__file__), "written.txt"), "w").close()
    return {"task_root": os.environ["LAMBDA_TASK_ROOT"], "var_task": os.path.exists("/var/task")}
"""
TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src, Handler: app.handler, Runtime: python3.12}
"""
NO_NAMESPACES = 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"'


def without_namespaces(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1) here")
    probe = subprocess.run(
        ["unshare", "-Ur", "sh", "-c", NO_NAMESPACES, "sh", "true"], capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot turn namespaces off here: {probe.stderr.decode().strip()}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(
        ["unshare", "-Ur", "sh", "-c", NO_NAMESPACES, "sh", *command],
        cwd=cwd,
        input="{}",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_without_namespaces_a_run_says_so_once_and_runs_as_before(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(HANDLER)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    out = without_namespaces(sys.executable, "-m", "lamina", "invoke", "Fn", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    # No /var/task, the code dir writable: what the one line says differs from Lambda.
    assert json.loads(out.stdout) == {"task_root": str(tmp_path / "src"), "var_task": False}
    assert (tmp_path / "src" / "written.txt").exists()
    said = [line for line in out.stderr.splitlines() if "namespaces here" in line]
    assert len(said) == 1, out.stderr
    # As every other warning of the lamina command reads.
    assert said[0].startswith("lamina: warning: no user, mount and PID namespaces here"), said
    assert "the code dir is writable, /var/task does not exist, /tmp is shared" in said[0]
    assert "Traceback" not in out.stderr
