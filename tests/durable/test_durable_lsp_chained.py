"""Chained invokes from an execution the editor runs (`python -m lamina lsp` over stdio, driven
by pytest-lsp): `context.invoke` reaches the template's other functions, a plain one by its
FunctionName and a durable one by its logical id (a child execution), and an unknown name fails
the operation as on AWS."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from lsp.lsp_harness import execute, make_client, server_env
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from durable.conftest import FUNCTIONS

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    Handler: app.handler
    Timeout: 30
Resources:
  Chain:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: chain/
      DurableConfig:
        ExecutionTimeout: 3600
  Plain:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: plain-target
      CodeUri: plain/
  Child:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: child/
      DurableConfig:
        ExecutionTimeout: 600
"""

PLAIN = """\
def handler(event, context):
    return {"n": event["n"] * 10, "function": context.function_name}
"""

CHILD = """\
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    n = context.step(lambda _: event["n"] * 100, name="times100")
    return {"n": n, "child": True}
"""


def chained_project(root: Path) -> Path:
    """python3.13, whose runtime ships the SDK (no requirements.txt)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "template.yaml").write_text(TEMPLATE)
    for folder in ("chain", "plain", "child"):
        (root / folder).mkdir()
    shutil.copy(FUNCTIONS / "chained_invoke" / "app.py", root / "chain" / "app.py")
    (root / "plain" / "app.py").write_text(PLAIN)
    (root / "child" / "app.py").write_text(CHILD)
    return root


@pytest_asyncio.fixture
async def client(tmp_path: Path) -> AsyncIterator[LanguageClient]:
    root = chained_project(tmp_path / "project")
    client = make_client(apply_edits=False)
    client.set_configuration({"durable": {"skipTime": True}}, section="lamina")
    await client.start_io(
        sys.executable,
        "-m",
        "lamina",
        "lsp",
        env=server_env({"LAMINA_SANDBOX": "0"}),
        cwd=str(root),
    )
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_session(), 10)
        await client.stop()


async def test_invoke_of_a_plain_function_by_its_function_name(client: Any) -> None:
    event = {"target": "plain-target", "missing": "no-such-function"}
    done = await asyncio.wait_for(
        execute(client, "lamina.run", {"function": "Chain", "eventJson": event}), 240
    )
    assert done["status"] == "SUCCEEDED", done
    result = done["result"]
    assert result["first"] == {"n": 10, "function": "plain-target"}
    assert result["second"] == {"n": 110, "function": "plain-target"}
    assert "no-such-function" in result["missing"]
    history = "\n".join(done["history"])
    assert history.count("ChainedInvokeSucceeded") == 2, history
    assert "ChainedInvokeFailed" in history, history
    # The target's invocations are results like any run's, under its logical id.
    plain = [r for r in client.invocation_results if r.function == "Plain"]
    assert len(plain) == 2 and all(r.ok for r in plain)


async def test_invoke_of_a_durable_function_is_a_child_execution(client: Any) -> None:
    event = {"target": "Child", "missing": "arn:aws:lambda:us-east-1:123456789012:function:nope"}
    done = await asyncio.wait_for(
        execute(client, "lamina.run", {"function": "Chain", "eventJson": event}), 240
    )
    assert done["status"] == "SUCCEEDED", done
    result = done["result"]
    assert result["first"] == {"n": 100, "child": True}
    assert result["second"] == {"n": 10100, "child": True}
    assert "nope" in result["missing"]
    children = [r for r in client.invocation_results if r.function == "Child"]
    assert len(children) >= 2 and all(r.ok for r in children)
    # The server goes on: the plain target still answers a run of its own.
    plain = await execute(client, "lamina.run", {"function": "Plain", "eventJson": {"n": 4}})
    assert plain["ok"] and plain["payload"] == {"n": 40, "function": "plain-target"}
