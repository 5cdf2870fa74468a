"""Every action as a `source.lamina.*` code action (for eglot, Kate, Helix: editors without code
lenses): on a handler's def line and on the template's function, the project commands anywhere;
none in a quick-fix request or when the client asks only for other kinds."""

from __future__ import annotations

from typing import Any

from lsp_harness import (
    code_actions,
    execute,
    line_of,
    open_document,
    wait_for,
    write_echo_project,
)

FUNCTION_TITLES = [
    "Lamina: Run EchoFunction (event hello)",
    "Lamina: Debug EchoFunction (event hello)",
    "Lamina: Sync EchoFunction",
    "Lamina: Run EchoFunction with hello",
    "Lamina: Run EchoFunction with other",
    "Lamina: Next event for EchoFunction",
    'Lamina: Save run configuration "EchoFunction hello"',
]
PROJECT_TITLES = [
    "Lamina: Sync all functions",
    "Lamina: Toggle sync on save",
    "Lamina: Sync target: aws (now emulator)",
    "Lamina: Start the emulator",
    "Lamina: Stop the emulator",
    "Lamina: Create handler…",
]


def titles(actions: list[dict[str, Any]]) -> list[str]:
    return [action["title"] for action in actions]


async def test_every_action_on_the_def_line_and_on_the_template_function(tmp_path, start_client):
    root = write_echo_project(tmp_path / "echo")
    client = await start_client(root, editor="emacs")
    handler = root / "src" / "app.py"
    open_document(client, handler)
    actions = await code_actions(client, handler, line_of(handler, "def handler("))
    assert titles(actions) == FUNCTION_TITLES + PROJECT_TITLES
    # One kind, no sub-kinds: eglot keeps only the actions whose kind equals the one asked for.
    assert {action["kind"] for action in actions} == {"source.lamina"}
    debug = next(a for a in actions if a["title"].startswith("Lamina: Debug"))
    assert debug["command"]["command"] == "lamina.debug"
    assert debug["command"]["arguments"] == [{"function": "EchoFunction"}]

    template = root / "template.yaml"
    open_document(client, template)
    on_resource = await code_actions(client, template, line_of(template, "EchoFunction:"))
    assert titles(on_resource) == FUNCTION_TITLES + PROJECT_TITLES
    # Elsewhere, only the project's commands.
    elsewhere = await code_actions(client, handler, line_of(handler, "import os"))
    assert titles(elsewhere) == PROJECT_TITLES


async def test_an_event_action_runs_with_that_event(tmp_path, start_client):
    root = write_echo_project(tmp_path / "echo")
    client = await start_client(root, editor="emacs")
    handler = root / "src" / "app.py"
    open_document(client, handler)
    actions = await code_actions(client, handler, line_of(handler, "def handler("))
    other = next(a for a in actions if a["title"] == "Lamina: Run EchoFunction with other")
    command = other["command"]
    result = await execute(client, command["command"], command["arguments"][0])
    assert result["ok"] is True
    assert result["payload"]["event"] == {"name": "other"}


async def test_only_the_kinds_asked_for(tmp_path, start_client):
    root = write_echo_project(tmp_path / "echo")
    client = await start_client(root, editor="emacs")
    handler = root / "src" / "app.py"
    open_document(client, handler)
    line = line_of(handler, "def handler(")
    assert await code_actions(client, handler, line, only=["quickfix"]) == []
    assert await code_actions(client, handler, line, only=["refactor.extract"]) == []
    assert await code_actions(client, handler, line, only=["source.organizeImports"]) == []
    assert titles(await code_actions(client, handler, line, only=["source"])) == (
        FUNCTION_TITLES + PROJECT_TITLES
    )
    assert titles(await code_actions(client, handler, line, only=["source.lamina"])) == (
        FUNCTION_TITLES + PROJECT_TITLES
    )


async def test_a_quick_fix_request_gets_fixes_and_never_a_run(tmp_path, start_client):
    """Kate's Quick Fix sends the diagnostics at the cursor and no `only`."""
    root = write_echo_project(tmp_path / "echo")
    template = root / "template.yaml"
    template.write_text(template.read_text().replace("Handler: app.handler", "Handler: app.nope"))
    client = await start_client(root, editor="emacs")
    open_document(client, template)
    uri = template.as_uri()
    found = await wait_for(lambda: client.diagnostics.get(uri))
    diagnostic = found[0]
    line = diagnostic.range.start.line
    answer = await code_actions(client, template, line, diagnostics=[diagnostic])
    assert answer, "the diagnostic's fixes"
    assert all(action["kind"] == "quickfix" for action in answer)
    assert not any(action["title"].startswith("Lamina: Run") for action in answer)
    assert not client.invocation_results


async def test_titles_use_the_settings_from_the_first_request(tmp_path, start_client):
    """The first answer already names the event `defaultEvent` picks, not the one before it."""
    root = write_echo_project(tmp_path / "echo")
    client = await start_client(root, editor="emacs", configuration={"defaultEvent": "other"})
    handler = root / "src" / "app.py"
    open_document(client, handler)
    actions = await code_actions(client, handler, line_of(handler, "def handler("))
    assert titles(actions)[:2] == [
        "Lamina: Run EchoFunction (event other)",
        "Lamina: Debug EchoFunction (event other)",
    ]
