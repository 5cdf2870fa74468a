"""The API from the editor for a `provided.al2023` function (its `bootstrap` is the runtime):
route lenses in the template and over the bootstrap, no "Debug its requests" lens, and
lamina.debugApi says why not while the API goes on answering."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import requests
from lsp_harness import (
    StartClient,
    code_actions,
    execute,
    lenses,
    line_of,
    open_document,
    wait_for,
)
from lsprotocol import types
from ports import free_port
from pygls.exceptions import JsonRpcException

APP = Path(__file__).resolve().parents[1] / "gateway" / "apps" / "custom_runtime"


async def titles_at(client: object, path: Path) -> list[tuple[int, str]]:
    found = await lenses(client, path)  # type: ignore[arg-type]
    return [(lens.range.start.line, lens.command.title) for lens in found if lens.command]


async def debug_is_refused(client: object, command: str) -> None:
    """`command` on the custom runtime's function answers an error saying why."""
    try:
        await execute(client, command, {"function": "Custom"})  # type: ignore[arg-type]
    except JsonRpcException as e:
        assert "Custom runs on provided.al2023: its bootstrap is its own runtime" in str(e)
    else:
        raise AssertionError(f"{command} started a debugger for a custom runtime")


async def test_a_custom_runtime_functions_routes_in_the_editor(
    tmp_path: Path, start_client: StartClient
) -> None:
    root = tmp_path / "custom"
    shutil.copytree(APP, root)
    client = await start_client(root)
    started = await execute(client, "lamina.startApi", {"port": free_port()})
    template = root / "template.yaml"
    open_document(client, template)
    in_template = [title for _, title in await titles_at(client, template)]
    assert "🌐 ▶ GET /hello" in in_template and "🌐 ▶ Function URL" in in_template
    assert "⚙ Debug its requests" not in in_template
    bootstrap = root / "src" / "bootstrap"
    open_document(client, bootstrap)
    assert await titles_at(client, bootstrap) == [(0, "🌐 ▶ GET /hello"), (0, "🌐 ▶ Function URL")]

    await debug_is_refused(client, "lamina.debugApi")
    response = await asyncio.to_thread(requests.get, started["url"] + "/hello", timeout=60)
    assert response.status_code == 200, response.text
    assert await execute(client, "lamina.stopApi", {}) == {"stopped": True}


async def test_run_works_and_debug_says_why_not_on_a_custom_runtime(
    tmp_path: Path, start_client: StartClient
) -> None:
    """The template's diagnostic says what Lamina does with a provided.al2023 function (no
    Python checks of `greeting.hello`); ▶ Run runs the bootstrap, ⚙ Debug refuses at once."""
    root = tmp_path / "custom"
    shutil.copytree(APP, root)
    client = await start_client(root)
    template = root / "template.yaml"
    open_document(client, template)

    def published() -> list[types.Diagnostic] | None:
        return client.diagnostics.get(template.as_uri())

    (diagnostic,) = await wait_for(published)
    assert diagnostic.code == "runtime-custom"
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    assert diagnostic.message.startswith(
        "Runtime provided.al2023: Lamina runs this function's bootstrap as its runtime"
    )
    assert "not Python" not in diagnostic.message

    ran = await execute(
        client, "lamina.run", {"function": "Custom", "eventJson": {"rawPath": "/r"}}
    )
    assert ran["payload"] == {
        "handler": "greeting.hello",
        "task_root": "/var/task",
        "execution_env": None,
        "path": "/r",
    }
    await debug_is_refused(client, "lamina.debug")


async def test_debug_is_not_offered_on_a_custom_runtime(
    tmp_path: Path, start_client: StartClient
) -> None:
    """No `⚙ Debug` lens and no Debug source action over a provided.al2023 function (they
    could only refuse); Run and Sync stay."""
    root = tmp_path / "custom"
    shutil.copytree(APP, root)
    client = await start_client(root)
    template = root / "template.yaml"
    open_document(client, template)
    line = line_of(template, "Custom:")
    on_resource = [title for at, title in await titles_at(client, template) if at == line]
    assert [t for t in on_resource if not t.startswith("🌐")] == [
        "▶ Run",
        "⇪ Sync",
        "{ } Event: none",
    ]

    actions = [a["title"] for a in await code_actions(client, template, line)]
    assert any(title.startswith("Lamina: Run Custom") for title in actions), actions
    assert "Lamina: Sync Custom" in actions
    assert not any(title.startswith("Lamina: Debug") for title in actions), actions
