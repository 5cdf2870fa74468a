"""`lamina invoke` on a durable function: the whole execution in one command, each invocation's
REPORT, a readable history and the result; a wait beyond 15 minutes without --skip-time ends
the command with the ARN; a durable function without the SDK fails in one clear line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from durable.conftest import FUNCTIONS

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Handler: app.handler
    Timeout: 30
    DurableConfig:
      ExecutionTimeout: 172800
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: orders/
  NoSdk:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: no_sdk/
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("durable-project")
    (root / "template.yaml").write_text(TEMPLATE)
    shutil.copytree(FUNCTIONS / "wait_workflow", root / "orders")
    (root / "no_sdk").mkdir()
    shutil.copy(FUNCTIONS / "wait_workflow" / "app.py", root / "no_sdk" / "app.py")
    return root


def invoke(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lamina", "invoke", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_whole_execution_with_skip_time(project: Path, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger"
    event = json.dumps({"x": 20, "ledger": str(ledger)})
    (tmp_path / "event.json").write_text(event)
    done = invoke(project, "Orders", "-e", str(tmp_path / "event.json"), "--skip-time")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"result": 42}
    assert done.stderr.count("REPORT RequestId:") == 2  # the first run, then the replay
    # Said before it runs: the handler's own Lambda client reaches Lamina too.
    assert "Orders is a durable function: its AWS_ENDPOINT_URL_LAMBDA points at" in done.stderr
    history = done.stderr.split("--- history of ", 1)[1]
    assert "WaitStarted            sleep  (86400 s wait)" in history
    assert "StepSucceeded          double  -> 42" in history
    assert "ExecutionSucceeded" in history
    assert ledger.read_text().split() == ["add", "double"]


def test_long_wait_ends_with_the_arn(project: Path, tmp_path: Path) -> None:
    event = json.dumps({"x": 1, "ledger": str(tmp_path / "ledger")})
    (tmp_path / "event.json").write_text(event)
    done = invoke(project, "Orders", "-e", str(tmp_path / "event.json"))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["Status"] == "RUNNING"
    assert ":function:Orders:$LATEST/durable-execution/" in out["DurableExecutionArn"]
    assert "longer than a synchronous invoke waits (15 minutes)" in done.stderr


def interpreter_without_the_sdk() -> str | None:
    """A Python other than Lamina's (whose venv has the SDK, through the durable extra)."""
    for version in ("3.13.0", "3.12.1"):
        python = Path.home() / ".pyenv" / "versions" / version / "bin" / "python"
        if python.exists():
            probe = subprocess.run([python, "-c", "import aws_durable_execution_sdk_python"])
            if probe.returncode != 0:
                return str(python)
    return None


def test_durable_function_without_the_sdk(project: Path) -> None:
    python = interpreter_without_the_sdk()
    if python is None:
        pytest.skip("no interpreter without the durable SDK on this machine")
    done = invoke(project, "NoSdk", "--skip-time", "--python", python)
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert "add aws-durable-execution-sdk-python to its requirements.txt" in error["errorMessage"]
    assert "Traceback" not in done.stderr.split("--- history of ")[0].split("REPORT")[-1]


def test_the_stored_document_is_the_runners(project: Path, tmp_path: Path) -> None:
    """Lamina stores an execution in parts (durable/execution_parts.py): a small row plus one
    row per operation, update, ...; put back together it is the runner's own document."""
    import sqlite3

    from aws_durable_execution_sdk_python_testing.execution import Execution

    from lamina.durable.store import ExecutionDatabase

    (tmp_path / "event.json").write_text(json.dumps({"x": 1, "ledger": str(tmp_path / "l")}))
    done = invoke(project, "Orders", "-e", str(tmp_path / "event.json"), "--skip-time")
    assert done.returncode == 0, done.stderr
    state = project / ".lamina" / "state" / "durable"
    with sqlite3.connect(state / "durable-executions.sqlite3") as conn:
        rows = conn.execute("SELECT durable_execution_arn, data FROM executions").fetchall()
    assert rows
    database = ExecutionDatabase.open(state)
    try:
        documents = [database.document(arn) for arn, _ in rows]
        for (_, shell), document in zip(rows, documents, strict=True):
            assert json.loads(shell)["Operations"] == []  # the row no longer grows
            assert document["Operations"]
            loaded = Execution.from_json_dict(document)
            assert json.loads(json.dumps(loaded.to_json_dict())) == document
    finally:
        database.close()
    assert max(len(d["Operations"]) for d in documents) >= 4  # the one just run, at least


def test_chained_invokes_reach_the_projects_other_functions(tmp_path: Path) -> None:
    """`context.invoke` under `lamina invoke`: a plain function by its FunctionName runs once
    per call, a durable one by its logical id is a child execution, an unknown one fails."""
    from durable.test_durable_lsp_chained import chained_project

    root = chained_project(tmp_path / "chained")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"target": "plain-target", "missing": "no-such-function"}))
    done = invoke(root, "Chain", "-e", str(event), "--skip-time")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["first"] == {"n": 10, "function": "plain-target"}
    assert result["second"] == {"n": 110, "function": "plain-target"}
    assert "no-such-function" in result["missing"]

    event.write_text(json.dumps({"target": "Child", "missing": "nope"}))
    done = invoke(root, "Chain", "-e", str(event), "--skip-time")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["first"] == {"n": 100, "child": True}
    assert result["second"] == {"n": 10100, "child": True}
    assert "ChainedInvokeSucceeded" in done.stderr
