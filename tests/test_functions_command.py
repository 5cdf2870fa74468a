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
    assert "(no function 'handler'; handlers there: lambda_handler)" in table
    assert "src/app.py (no function 'py'; handlers there: lambda_handler)" in table
    assert "exec wrapper" not in table
    assert rows["Misnamed"]["handlersThere"] == ["lambda_handler"]
    assert "src (handler file not found)" in table


def test_template_event_sources_show_beside_the_samples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A function triggered by SQS and a schedule isn't "no events" because it has no
    events/*.json sample: the table and --json name the template's sources, then the samples."""
    for code in ("worker", "quiet"):
        (tmp_path / code).mkdir()
        (tmp_path / code / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Worker:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: worker\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      Events:\n"
        "        Jobs: {Type: SQS, Properties: {Queue: arn:aws:sqs:us-east-1:123456789012:jobs}}\n"
        "        Retries: {Type: SQS, Properties: {Queue: arn:aws:sqs:us-east-1:123456789012:r}}\n"
        "        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}\n"
        "  Quiet:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: quiet, Handler: app.handler, Runtime: python3.12}\n"
    )
    (tmp_path / "worker" / "events").mkdir()
    (tmp_path / "worker" / "events" / "job.json").write_text('{"Records": []}')
    out = lamina("functions", "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    rows = {row["logicalId"]: row for row in json.loads(out.stdout)}
    assert rows["Worker"]["eventSources"] == ["SQS", "SQS", "Schedule"]
    assert rows["Quiet"]["eventSources"] == []
    monkeypatch.setenv("COLUMNS", "250")
    out = lamina("functions", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = {line.split()[1]: line for line in out.stdout.splitlines() if "app.handler" in line}
    assert "SQS ×2, Schedule; samples: job" in lines["Worker"]
    assert lines["Quiet"].rstrip(" │").endswith("-")
