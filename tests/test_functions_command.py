"""`lamina functions` as a user runs it: one interpreter search per runtime, still shown and
warned about per function."""

from __future__ import annotations

import json
from pathlib import Path

from test_runtime_interpreters import lamina, make_project


def test_functions_sharing_a_runtime_are_each_named_in_its_warnings(tmp_path: Path) -> None:
    project = make_project(
        tmp_path, {"OldOne": "python3.9", "OldTwo": "python3.9", "Current": "python3.12"}
    )
    out = lamina("functions", "--json", cwd=project)
    assert out.returncode == 0, out.stderr
    rows = {row["logicalId"]: row for row in json.loads(out.stdout)}
    assert rows["OldOne"]["pythonVersion"] == rows["OldTwo"]["pythonVersion"]
    assert rows["OldOne"]["python"] == rows["OldTwo"]["python"]
    lines = out.stderr.splitlines()
    for name in ("OldOne", "OldTwo"):
        assert any(
            line.startswith(f"lamina: warning: {name}: AWS deprecated python3.9") for line in lines
        )
    assert not any("Current: AWS deprecated" in line for line in lines)
    assert "\0" not in out.stderr
