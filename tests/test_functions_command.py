"""`lamina functions` as a user runs it: one interpreter search per runtime, still shown and
warned about per function."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


def test_a_handler_missing_from_its_file_names_the_file_not_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Powertools' logger example: `Handler: inject_lambda_context.handler` for a file whose
    function is `lambda_handler`. The file is there; the function is not. Its idempotency
    example's `Handler: app.py` is the same (function 'py'), not a program an exec wrapper runs."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Misnamed:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src, Handler: app.handler, Runtime: python3.12}\n"
        "  NoFile:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src, Handler: gone.handler, Runtime: python3.12}\n"
        "  FileName:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src, Handler: app.py, Runtime: python3.12}\n"
    )
    rows = {
        row["logicalId"]: row
        for row in json.loads(lamina("functions", "--json", cwd=tmp_path).stdout)
    }
    assert rows["Misnamed"]["handlerFile"] is None
    assert rows["Misnamed"]["handlerModule"] == "src/app.py"
    assert "handlerModule" not in rows["NoFile"]
    assert rows["FileName"]["handlerModule"] == "src/app.py"
    assert "handlerProgram" not in rows["FileName"]
    monkeypatch.setenv("COLUMNS", "250")  # a table wide enough that no cell wraps
    out = lamina("functions", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    table = " ".join(out.stdout.split())
    assert "(no function 'handler')" in table
    assert "src/app.py (no function 'py')" in table and "exec wrapper" not in table
    assert "src (handler file not found)" in table
