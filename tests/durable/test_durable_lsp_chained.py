"""Chained invokes from an execution the editor runs (`python -m lamina lsp` over stdio, driven
by pytest-lsp): `context.invoke` reaches the template's other functions, a plain one by its
FunctionName and a durable one by its logical id (a child execution), and an unknown name fails
the operation as on AWS."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest_asyncio
from lsp.lsp_harness import StartClient, execute, plain, wait_for
from ports import free_port
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
async def client(tmp_path: Path, start_client: StartClient) -> LanguageClient:
    root = chained_project(tmp_path / "project")
    return await start_client(
        root, configuration=editor_settings(), apply_edits=False, env=NO_SANDBOX
    )


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


async def debug_chain(client: Any) -> list[Any]:
    """lamina.debug on Chain (its target: plain-target) until the execution ends; no editor
    attaches (debug.waitForClient is off). The `lamina/debugReady` notifications sent."""
    event = {"target": "plain-target", "missing": "no-such-function"}
    attach = await asyncio.wait_for(
        execute(client, "lamina.debug", {"function": "Chain", "eventJson": event}), 240
    )
    assert attach["request"] == "attach"
    ended = await wait_for(lambda: client.durable_executions, 240)
    assert ended[0].status == "SUCCEEDED", ended
    assert len([r for r in client.invocation_results if r.function == "Plain"]) == 2
    return [plain(r) for r in client.debug_ready]


async def test_under_debug_each_invocation_of_a_target_gets_a_debugger(
    tmp_path: Path, start_client: StartClient
) -> None:
    root = chained_project(tmp_path / "project")
    settings = {**editor_settings(), "debug": {"waitForClient": False}}  # no editor attaches
    client = await start_client(root, configuration=settings, apply_edits=False, env=NO_SANDBOX)
    ready = await debug_chain(client)
    # The execution's own debugpy, then one per invocation of the target, each on its port.
    assert [r["lamina"]["function"] for r in ready] == ["Chain", "Plain", "Plain"]
    assert len({r["connect"]["port"] for r in ready}) == 3
    assert ready[1]["name"] == "Lamina: debug Plain (invoked from Chain)"
    assert not [m.message for m in client.messages if "outside the debugger" in m.message]


async def test_under_debug_a_target_without_a_debugger_is_said_to_run_outside_it(
    tmp_path: Path, start_client: StartClient
) -> None:
    """A fixed debug.port: the execution's debugpy holds it, so the target's cannot start."""
    root = chained_project(tmp_path / "project")
    debug = {"waitForClient": False, "port": free_port()}
    settings = {**editor_settings(), "debug": debug}
    client = await start_client(root, configuration=settings, apply_edits=False, env=NO_SANDBOX)
    ready = await debug_chain(client)
    assert [r["lamina"]["function"] for r in ready] == ["Chain"]
    said = [m.message for m in client.messages if "outside the debugger" in m.message]
    # Once, though the target ran twice; the unknown name is no function, so nothing to say.
    assert len(said) == 1, [m.message for m in client.messages]
    assert said[0].startswith(
        "Lamina: Plain, invoked from the debugged execution of Chain, runs outside the debugger: "
    )
    assert f"lamina.debug.port is fixed ({debug['port']})" in said[0]
