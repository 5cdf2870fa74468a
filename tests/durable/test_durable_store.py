"""The durable store writes each save in parts (durable/execution_parts.py). After every save,
another connection to the same file reads back exactly the runner's document of the execution
as it is in memory: operations replaced, updates appended, per-invocation lists emptied, maps
grown and shrunk, and an execution stored whole (before parts existed) read and rewritten."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from durable.conftest import FUNCTIONS

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: orders/
      Runtime: python3.12
      Handler: app.handler
      Timeout: 30
      DurableConfig:
        ExecutionTimeout: 172800
"""


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real execution, run to its end by `lamina invoke` and loaded from its store."""
    from lamina.durable.store import ExecutionDatabase

    root = tmp_path_factory.mktemp("durable-store")
    (root / "template.yaml").write_text(TEMPLATE)
    shutil.copytree(FUNCTIONS / "wait_workflow", root / "orders")
    (root / "event.json").write_text(json.dumps({"x": 1, "ledger": str(root / "ledger")}))
    done = subprocess.run(
        [sys.executable, "-m", "lamina", "invoke", "Orders", "-e", "event.json", "--skip-time"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    database = ExecutionDatabase.open(root / ".lamina" / "state" / "durable")
    try:
        (execution,) = database.list_all()
    finally:
        database.close()
    assert len(execution.operations) >= 4 and len(execution.updates) >= 4
    return execution


def runners_document(execution: Any) -> Any:
    return json.loads(json.dumps(execution.to_json_dict()))


def read_back(state: Path, arn: str) -> Any:
    from lamina.durable.store import ExecutionDatabase

    other = ExecutionDatabase.open(state)  # its own connection, nothing cached
    try:
        return other.document(arn)
    finally:
        other.close()


def test_every_save_reads_back_as_the_runners_document(finished: Any, tmp_path: Path) -> None:
    from aws_durable_execution_sdk_python_testing.execution import Execution

    from lamina.durable.store import ExecutionDatabase

    state = tmp_path / "state"
    database = ExecutionDatabase.open(state)
    growing = Execution(finished.durable_execution_arn, finished.start_input, [])
    arn = growing.durable_execution_arn
    try:
        for k in range(1, len(finished.operations) + 1):
            growing.operations = list(finished.operations[:k])
            growing.updates = list(finished.updates[:k])
            growing.update_timestamps = list(finished.update_timestamps[:k])
            growing.invocation_completions = list(finished.invocation_completions[:k])
            ids = [op.operation_id for op in growing.operations]
            growing.updated_operation_ids = ids[-2:] if k % 2 else []  # reset per invocation
            growing.operation_last_touched_seq = {i: n for n, i in enumerate(ids)}
            growing.operation_size_bytes = {i: 10 * k for i in ids[k % 2 :]}  # one drops out
            growing.token_sequence = k
            if k > 1:  # an operation moving on: a new object at the same position
                growing.operations[0] = dataclasses.replace(growing.operations[0], name=str(k))
            database.save(growing)
            assert read_back(state, arn) == runners_document(growing), f"after save {k}"
        growing.operations = growing.operations[:1]  # shorter lists lose their tail rows
        growing.updates = []
        database.save(growing)
        assert read_back(state, arn) == runners_document(growing)
    finally:
        database.close()
    with sqlite3.connect(state / "durable-executions.sqlite3") as conn:
        (shell,) = conn.execute("SELECT data FROM executions").fetchone()
    assert json.loads(shell)["Operations"] == [] and json.loads(shell)["Updates"] == []
    # The input is a part of its own, not encoded again in the shell at every save.
    assert finished.start_input.input and "Input" not in json.loads(shell)["StartInput"]


def row_columns(state: Path) -> Any:
    with sqlite3.connect(state / "durable-executions.sqlite3") as conn:
        return conn.execute(
            "SELECT function_name, execution_name, status, start_timestamp, end_timestamp "
            "FROM executions"
        ).fetchall()


def test_the_runners_row_follows_the_execution_from_running_to_its_end(
    finished: Any, tmp_path: Path
) -> None:
    """A save sets only the row's columns that changed (status, end timestamp); a reader of
    the row (the runner's queries, resume after a restart, retention) sees them as the
    runner's own REPLACE would have left them."""
    from aws_durable_execution_sdk_python_testing.execution import Execution

    from lamina.durable.store import ExecutionDatabase

    state = tmp_path / "state"
    first = dataclasses.replace(finished.operations[0], end_timestamp=None)
    growing = Execution(finished.durable_execution_arn, finished.start_input, [first])
    started = first.start_timestamp.timestamp()
    names = (finished.start_input.function_name, finished.start_input.execution_name)
    database = ExecutionDatabase.open(state)
    try:
        for k in range(3):  # the first save inserts the row, the next ones update it
            growing.token_sequence = k
            database.save(growing)
            assert row_columns(state) == [(*names, "RUNNING", started, None)]
            assert read_back(state, growing.durable_execution_arn) == runners_document(growing)
        assert database.running_arns() == [growing.durable_execution_arn]
        growing.operations = [finished.operations[0]]
        growing.is_complete, growing.close_status = True, finished.close_status
        database.save(growing)
    finally:
        database.close()
    ended = finished.operations[0].end_timestamp.timestamp()
    assert row_columns(state) == [(*names, finished.close_status.value, started, ended)]
    reopened = ExecutionDatabase.open(state)
    try:
        assert reopened.running_arns() == []
        assert reopened.expired_arns(ended + 86400 * 400) == [growing.durable_execution_arn]
    finally:
        reopened.close()


def test_an_execution_stored_whole_is_read_and_then_saved_in_parts(
    finished: Any, tmp_path: Path
) -> None:
    """What part 1 of Lamina's store wrote: the runner's whole document in the row."""
    from lamina.durable.store import ExecutionDatabase

    state = tmp_path / "state"
    ExecutionDatabase.open(state).close()
    arn = finished.durable_execution_arn
    whole = json.dumps(finished.to_json_dict())
    with sqlite3.connect(state / "durable-executions.sqlite3") as conn:
        conn.execute(
            "INSERT INTO executions VALUES (?, 'Orders', 'n', 'SUCCEEDED', 1.0, 2.0, ?)",
            (arn, whole),
        )
    assert read_back(state, arn) == json.loads(whole)
    database = ExecutionDatabase.open(state)
    try:
        loaded = database.load(arn)
        assert runners_document(loaded) == json.loads(whole)
        loaded.token_sequence += 1
        database.save(loaded)
    finally:
        database.close()
    assert read_back(state, arn) == runners_document(loaded)
    with sqlite3.connect(state / "durable-executions.sqlite3") as conn:
        (shell,) = conn.execute("SELECT data FROM executions").fetchone()
    assert json.loads(shell)["Operations"] == []


def test_an_input_kept_in_the_shell_by_an_earlier_lamina_moves_to_its_part(
    finished: Any, tmp_path: Path
) -> None:
    from lamina.durable.store import ExecutionDatabase

    state = tmp_path / "state"
    arn = finished.durable_execution_arn
    database = ExecutionDatabase.open(state)
    try:
        database.save(finished)
    finally:
        database.close()
    # As the Lamina before the input's own part wrote it: parts, and the input in the shell.
    with sqlite3.connect(state / "durable-executions.sqlite3") as conn:
        (shell,) = conn.execute("SELECT data FROM executions").fetchone()
        old = json.loads(shell)
        old["StartInput"]["Input"] = finished.start_input.input
        conn.execute("UPDATE executions SET data = ?", (json.dumps(old),))
        conn.execute("DELETE FROM execution_parts WHERE part = 'Input'")
    assert read_back(state, arn) == runners_document(finished)
    database = ExecutionDatabase.open(state)
    try:
        loaded = database.load(arn)
        loaded.token_sequence += 1  # a checkpoint
        database.save(loaded)
    finally:
        database.close()
    assert read_back(state, arn) == runners_document(loaded)
    with sqlite3.connect(state / "durable-executions.sqlite3") as conn:
        (shell,) = conn.execute("SELECT data FROM executions").fetchone()
    assert "Input" not in json.loads(shell)["StartInput"]
