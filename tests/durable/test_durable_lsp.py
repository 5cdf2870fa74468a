"""Durable functions through the language server (`python -m lamina lsp` over stdio, driven by
pytest-lsp): `lamina.run` runs the whole execution and reports each history event as it
happens; an execution waiting for a callback shows it in a lens and a code action, and
`lamina.sendCallback` completes it. The debugger across replays is tests/e2e/test_durable_debug.py."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsp.lsp_harness import StartClient, execute, lenses, open_document, wait_for
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from durable.conftest import FUNCTIONS, NO_SANDBOX, editor_settings

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    Handler: app.handler
    Timeout: 30
    DurableConfig:
      ExecutionTimeout: 3600
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: orders/
  Approvals:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: approvals/
"""


def durable_project(root: Path) -> Path:
    """Two durable functions; python3.13, whose runtime ships the SDK (no requirements.txt)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "template.yaml").write_text(TEMPLATE)
    for folder, source in (("orders", "wait_workflow"), ("approvals", "callback_workflow")):
        (root / folder).mkdir()
        shutil.copy(FUNCTIONS / source / "app.py", root / folder / "app.py")
    return root


@pytest_asyncio.fixture
async def client(tmp_path: Path, start_client: StartClient) -> LanguageClient:
    root = durable_project(tmp_path / "project")
    client = await start_client(
        root, configuration=editor_settings(), apply_edits=False, env=NO_SANDBOX
    )
    client.root = root  # type: ignore[attr-defined]
    return client


async def test_run_reports_each_event_and_the_result(client: Any, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger"
    event = {"x": 20, "ledger": str(ledger)}
    done = await asyncio.wait_for(
        execute(client, "lamina.run", {"function": "Orders", "eventJson": event}), 240
    )
    assert done["status"] == "SUCCEEDED", done
    assert done["result"] == {"result": 42}
    assert ":function:Orders:$LATEST/durable-execution/" in done["executionArn"]
    history = "\n".join(done["history"])
    assert "WaitStarted            sleep  (86400 s wait)" in history
    assert "StepSucceeded          double  -> 42" in history
    assert ledger.read_text().split() == ["add", "double"]
    # The editor's log says where the handler's Lambda calls go.
    said = [m.message for m in client.log_messages if done["executionArn"] in m.message]
    assert any("AWS_ENDPOINT_URL_LAMBDA" in m and "http://127.0.0.1:" in m for m in said), said

    # As it happened: one notification per history event, in order, then the end.
    ended = await wait_for(lambda: client.durable_executions, 30)
    assert ended[0].status == "SUCCEEDED" and ended[0].executionArn == done["executionArn"]
    kinds = [e.event.EventType for e in client.durable_events]
    assert kinds[0] == "ExecutionStarted" and kinds[-1] == "ExecutionSucceeded"
    assert kinds.index("WaitStarted") < kinds.index("WaitSucceeded")
    assert [e.text for e in client.durable_events] == [line.strip() for line in done["history"]]
    # Each invocation (the first, the replay after the wait) is a result like a plain run's.
    results = [r for r in client.invocation_results if r.function == "Orders"]
    assert len(results) == 2 and all(r.ok for r in results)


async def test_send_callback_from_a_lens_and_a_code_action(client: Any, tmp_path: Path) -> None:
    callback_file = tmp_path / "callback-id"
    waiting = await asyncio.wait_for(
        execute(
            client,
            "lamina.run",
            {"function": "Approvals", "eventJson": {"callback_file": str(callback_file)}},
        ),
        240,
    )
    # The run answers once nothing happens until someone sends the callback.
    assert waiting["status"] == "RUNNING", waiting
    [pending] = waiting["pendingCallbacks"]
    assert pending["callbackId"] == callback_file.read_text()

    handler = client.root / "approvals" / "app.py"
    uri = open_document(client, handler)
    titles = [lens.command.title for lens in await lenses(client, handler) if lens.command]
    assert any(t.startswith("⏳ Approvals: waiting for callback") for t in titles), titles
    send_lens = next(
        lens.command
        for lens in await lenses(client, handler)
        if lens.command and lens.command.title.startswith("✉ Send callback")
    )
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    offered = [a.title for a in actions or []]
    assert any("send callback" in t and t.endswith("succeed") for t in offered), offered

    listed = await execute(client, "lamina.durableExecutions", {"function": "Approvals"})
    assert [e["status"] for e in listed] == ["RUNNING"]

    arguments = dict(send_lens.arguments[0], result="yes")
    sent = await execute(client, "lamina.sendCallback", arguments)
    assert sent["callbackId"] == pending["callbackId"] and sent["outcome"] == "succeed"
    ended = await wait_for(lambda: client.durable_executions, 60)
    assert ended[0].status == "SUCCEEDED"
    assert json.loads(json.dumps(ended[0].result._asdict())) == {"approved": "yes"}

    # The callback has completed: sending it again is AWS's error (a closed callback), and the
    # server goes on.
    with pytest.raises(JsonRpcException) as again:
        await execute(client, "lamina.sendCallback", arguments)
    assert "CallbackTimeoutException" in str(again.value)
    after = await execute(client, "lamina.durableExecutions", {})
    assert [e["status"] for e in after] == ["SUCCEEDED"]
