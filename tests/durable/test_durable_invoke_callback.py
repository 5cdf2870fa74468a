"""`lamina invoke --skip-time` on a workflow that waits for a callback: time skipping does not
skip the callback; the command says once how to send it, to the command's own endpoint, and
the execution completes with what `lamina callback` sent."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from durable.conftest import FUNCTIONS

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Approvals:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: approvals/
      Runtime: python3.12
      Handler: app.handler
      Timeout: 30
      DurableConfig:
        ExecutionTimeout: 120  # without the line, the command ends after it
"""
SEND = re.compile(r"`lamina callback succeed (\S+) --result JSON --endpoint-url (\S+)`")


def test_a_pending_callback_is_never_skipped_and_the_command_says_how_to_send_it(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "template.yaml").write_text(TEMPLATE)
    shutil.copytree(FUNCTIONS / "callback_workflow", root / "approvals")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"callback_file": str(tmp_path / "callback-id")}))
    command = [sys.executable, "-m", "lamina", "invoke", "Approvals", "-e", str(event)]
    proc = subprocess.Popen(
        [*command, "--skip-time"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert proc.stderr is not None
        seen: list[str] = []
        for raw in proc.stderr:  # ends (EOF) if the command does
            line = raw.decode(errors="replace")
            seen.append(line)
            found = SEND.search(line)
            if found:
                break
        else:
            raise AssertionError("no line on how to send the callback:\n" + "".join(seen))
        callback_id, endpoint = found.groups()
        assert callback_id == (tmp_path / "callback-id").read_text()
        assert endpoint.startswith("http://127.0.0.1:")
        sent = subprocess.run(
            [sys.executable, "-m", "lamina", "callback", "succeed", callback_id]
            + ["--result", '"yes"', "--endpoint-url", endpoint],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert sent.returncode == 0, sent.stderr
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert json.loads(out) == {"approved": '"yes"'}
    rest = "".join(seen) + err.decode()
    assert len(SEND.findall(rest)) == 1  # said once
