"""The language server on every project format and layout: CDK, Serverless Framework and
Terraform projects, samconfig with a template elsewhere, a nested application, the `template`
setting, and a workspace opened at a subfolder of the project."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from lsp_harness import execute, lenses, open_document, save_document, write_echo_project
from lsprotocol import types

PROJECTS = Path(__file__).resolve().parents[1] / "projects"
TITLES = ["▶ Run", "⚙ Debug", "⇪ Sync"]

# project, handler file, its function, the project file and the line (0-based) of its lens
FORMATS = {
    "cdk-orders": ("lambda/orders/app.py", "OrdersStack/Orders", None, None),
    "serverless-orders": ("src/handlers/orders.py", "create", "serverless.yml", 29),
    "terraform-orders": ("src/orders/app.py", "orders", "main.tf", 31),
    "sam-samconfig": ("apps/payments/src/app.py", "Payments/ChargeFunction", None, None),
}


def copy_project(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(PROJECTS / name, root)
    manifest = root / "cdk.out" / "manifest.json"
    if manifest.exists():  # synthesized after the sources were last changed
        fresh = time.time() + 60
        os.utime(manifest, (fresh, fresh))
    return root


def titles_on(found, line: int) -> list[str]:
    """The function's own lenses on a line: a route's lens (🌐, the HTTP front's) comes first
    where the function has an HTTP event, as the Serverless fixture's does."""
    titles = [lens.command.title for lens in found if lens.range.start.line == line]
    return [title for title in titles if not title.startswith("🌐")]


@pytest.mark.parametrize("name", sorted(FORMATS))
async def test_lenses_and_a_run_on_each_format(name, tmp_path, start_client, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = copy_project(name, tmp_path)
    handler_file, function, project_file, project_line = FORMATS[name]
    client = await start_client(root, env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    handler = root / handler_file
    open_document(client, handler)
    found = await lenses(client, handler)
    functions = {lens.command.arguments[0]["function"] for lens in found if lens.command}
    assert function in functions
    line = next(
        lens.range.start.line
        for lens in found
        if lens.command and lens.command.arguments[0]["function"] == function
    )
    run, debug, sync = titles_on(found, line)[:3]
    # Two functions share the Terraform handler (a resource and a module): each lens names it.
    named = run == f"▶ Run {function}"
    assert run == "▶ Run" or named
    assert [debug, sync] == ([f"{t} {function}" for t in TITLES[1:]] if named else TITLES[1:])
    if project_file is not None:
        path = root / project_file
        open_document(client, path)
        on_file = await lenses(client, path)
        assert titles_on(on_file, project_line)[:3] == TITLES
    rows = await execute(client, "lamina.listFunctions", {})
    assert function in {row["logicalId"] for row in rows}
    if name != "cdk-orders":  # the CDK run is covered by the CLI tests; one run per format here
        result = await execute(client, "lamina.run", {"function": function, "eventJson": "{}"})
        assert result["ok"] is True, result


async def test_a_workspace_opened_at_a_subfolder_finds_the_template_above(tmp_path, start_client):
    root = write_echo_project(tmp_path / "echo")
    client = await start_client(root / "src")  # eglot, no VCS: the handler's folder
    handler = root / "src" / "app.py"
    open_document(client, handler)
    found = await lenses(client, handler)
    assert {lens.command.arguments[0]["function"] for lens in found} == {"EchoFunction"}
    result = await execute(client, "lamina.run", {"function": "EchoFunction", "event": "hello"})
    assert result["payload"]["greeting"] == "hello"


async def test_a_subfolder_of_a_repository_without_a_project_stays_itself(tmp_path, start_client):
    root = write_echo_project(tmp_path / "echo")
    (root / "tools").mkdir()
    (root / "tools" / ".git").mkdir()  # a repository of its own inside: it is the boundary
    (root / "tools" / "job.py").write_text("def handler(event, context):\n    return 1\n")
    client = await start_client(root / "tools")
    rows = await execute(client, "lamina.listFunctions", {})
    assert "EchoFunction" not in {row["logicalId"] for row in rows}


async def test_the_template_setting_and_a_change_to_it(tmp_path, start_client):
    root = write_echo_project(tmp_path / "echo")
    (root / "infra").mkdir()
    moved = (root / "template.yaml").read_text().replace("CodeUri: src/", "CodeUri: ../src/")
    (root / "infra" / "stack.yaml").write_text(moved.replace("EchoFunction", "MovedFunction"))
    client = await start_client(root, configuration={"template": "infra/stack.yaml"})
    rows = await execute(client, "lamina.listFunctions", {})
    assert [row["logicalId"] for row in rows if row["source"] == "template"] == ["MovedFunction"]
    template = root / "infra" / "stack.yaml"
    open_document(client, template)
    on_file = await lenses(client, template)
    assert titles_on(on_file, 3)[:3] == TITLES
    # A saved change to that template reloads the model, though it is not named template.*.
    template.write_text(template.read_text().replace("MovedFunction", "RenamedFunction"))
    save_document(client, template)
    await until(client, ["RenamedFunction"])
    # Back to the template at the root, without a restart.
    client.set_configuration({}, section="lamina")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await until(client, ["EchoFunction"])


async def test_terraform_var_files_setting_and_a_change_to_it(tmp_path, start_client):
    root = copy_project("terraform-orders", tmp_path)
    (root / "env").mkdir()
    (root / "env" / "prod.tfvars").write_text('stage = "prod"\nmemory = 1024\n')
    settings = {"terraform": {"varFiles": ["env/prod.tfvars"]}}
    client = await start_client(root, configuration=settings)
    rows = {row["logicalId"]: row for row in await execute(client, "lamina.listFunctions", {})}
    assert (rows["orders"]["functionName"], rows["orders"]["memorySize"]) == (
        "orders-prod-create",
        1024,
    )
    # Without the setting: the variables' defaults and terraform.tfvars, without a restart.
    client.set_configuration({}, section="lamina")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    deadline = time.monotonic() + 15  # a bound on waiting, not a speed check
    while True:
        rows = {r["logicalId"]: r for r in await execute(client, "lamina.listFunctions", {})}
        if rows["orders"]["functionName"] == "orders-dev-create":
            break
        assert time.monotonic() < deadline, rows["orders"]
        await asyncio.sleep(0.1)
    assert rows["orders"]["memorySize"] == 256


async def until(client, expected: list[str]) -> None:
    """Wait for the template's functions to become `expected`."""

    async def functions() -> list[str]:
        rows = await execute(client, "lamina.listFunctions", {})
        return [row["logicalId"] for row in rows if row["source"] == "template"]

    deadline = time.monotonic() + 15  # a bound on waiting, not a speed check
    while (now := await functions()) != expected:
        assert time.monotonic() < deadline, now
        await asyncio.sleep(0.1)


# project, function, the file and line of a breakpoint in the user's own source
DEBUGGED = {
    "cdk-orders": ("OrdersStack/Orders", "lambda/orders/app.py", 5),
    "serverless-orders": ("create", "src/handlers/orders.py", 7),
    "terraform-orders": ("orders", "src/orders/app.py", 5),
}


def stop_at(config: dict, path: Path, line: int) -> dict:
    """Attach a DAP client, stop at the breakpoint, read `event`, continue."""
    from dap_client import DapClient

    client = DapClient(config["connect"]["port"])
    try:
        client.attach(config, {str(path): [line]})
        stopped, frames = client.stopped_frames()
        top = frames[0]
        seen = {
            "reason": stopped["reason"],
            "file": top["source"]["path"],
            "line": top["line"],
            "event": client.local(top["id"], "event"),
        }
        client.resume(stopped["threadId"])
        return seen
    finally:
        client.close()


@pytest.mark.slow  # about 20 s a format
@pytest.mark.parametrize("name", sorted(DEBUGGED))
async def test_a_breakpoint_in_the_source_of_each_format(name, tmp_path, start_client):
    root = copy_project(name, tmp_path)
    function, relative, line = DEBUGGED[name]
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    client = await start_client(root, env=cache)
    config = await execute(client, "lamina.debug", {"function": function, "eventJson": {"k": 1}})
    source = root / relative  # the user's file: for CDK, not the copy in cdk.out
    seen = await asyncio.to_thread(stop_at, config, source, line)
    assert (seen["reason"], seen["file"], seen["line"]) == ("breakpoint", str(source), line)
    assert seen["event"] == "{'k': 1}"


FAKE_CDK = """#!{python}
# Stands in for the aws-cdk CLI (an external tool, not Lamina): records how it was run and
# "synthesizes" by touching the manifest.
import os, sys, pathlib
pathlib.Path({marker!r}).write_text(os.getcwd() + " " + " ".join(sys.argv[1:]))
os.utime("cdk.out/manifest.json")
"""


@pytest.mark.parametrize("answer", ["Run cdk synth", "Not now"])
async def test_a_stale_assembly_offers_cdk_synth_and_runs_it_only_when_asked(
    answer, tmp_path, start_client
):
    root = copy_project("cdk-orders", tmp_path)
    handler = root / "lambda" / "orders" / "app.py"
    later = time.time() + 120  # edited after the last synth
    os.utime(handler, (later, later))
    tools = tmp_path / "bin"
    tools.mkdir()
    marker = tmp_path / "cdk-ran"
    cdk = tools / "cdk"
    cdk.write_text(FAKE_CDK.format(python=sys.executable, marker=str(marker)))
    cdk.chmod(0o755)
    asked: list[str] = []

    client = await start_client(root, env={"PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"})

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def choose(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
        asked.append(params.message)
        return types.MessageActionItem(title=answer)

    await execute(client, "lamina.listFunctions", {})  # the project has loaded
    await until_true(lambda: asked or marker.exists())
    if answer == "Not now":
        await asyncio.sleep(1)  # what it would take a synth to start: it must not
        assert not marker.exists()
        return
    await until_true(marker.exists)
    assert marker.read_text() == f"{root} synth --quiet"
    await until_true(lambda: any("cdk synth done" in m.message for m in client.messages))
    assert asked and "cdk.out is older than lambda/orders/app.py" in asked[0]


async def until_true(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds  # a bound on waiting, not a speed check
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
