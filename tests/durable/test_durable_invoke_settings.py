"""`lamina invoke` reads the `durable.skipTime` setting ([tool.lamina] in the workspace's
pyproject.toml) as it reads --skip-time: the one-day wait ends at once and the command prints
the result, where without it the command ends with the execution's ARN."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from durable.conftest import FUNCTIONS
from durable.test_durable_invoke import TEMPLATE, invoke


def test_the_skip_time_setting_skips_the_wait(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "template.yaml").write_text(TEMPLATE)
    shutil.copytree(FUNCTIONS / "wait_workflow", root / "orders")
    (root / "pyproject.toml").write_text("[tool.lamina.durable]\nskipTime = true\n")
    ledger = tmp_path / "ledger"
    (tmp_path / "event.json").write_text(json.dumps({"x": 20, "ledger": str(ledger)}))

    done = invoke(root, "Orders", "-e", str(tmp_path / "event.json"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"result": 42}  # not {"Status": "RUNNING", ...}
    assert ", time skipped" in done.stderr
    assert "WaitSucceeded" in done.stderr.split("--- history of ", 1)[1]
    assert ledger.read_text().split() == ["add", "double"]
