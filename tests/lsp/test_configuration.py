"""Settings: pulled with workspace/configuration, else initializationOptions, over pyproject's
[tool.lamina]; re-read on didChangeConfiguration; bad values shown, then defaults used."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_harness import (
    NEOVIM_DEBIAN,
    children_of,
    command_lines_below,
    execute,
    lenses,
    open_document,
    server_pid,
    wait_for,
    write_echo_project,
)
from lsprotocol import types

from lamina.lsp.settings import validate_settings


@pytest.fixture
def echo(tmp_path: Path) -> Path:
    return write_echo_project(tmp_path / "echo")


async def event_of_a_run(client) -> dict:
    return (await execute(client, "lamina.run", {"function": "EchoFunction"}))["payload"]["event"]


async def test_pulled_from_the_client(echo, start_client):
    client = await start_client(echo, configuration={"defaultEvent": "other"})
    assert await event_of_a_run(client) == {"name": "other"}


async def test_initialization_options_when_the_client_cannot_be_asked(echo, start_client):
    client = await start_client(
        echo, editor=NEOVIM_DEBIAN, init_options={"lamina": {"defaultEvent": "other"}}
    )
    assert await event_of_a_run(client) == {"name": "other"}


@pytest.mark.parametrize("given", ["pulled", "initializationOptions"])
async def test_the_first_lenses_name_the_event_the_settings_choose(given, echo, start_client):
    """No title is made before the client's settings are in: the very first lens request,
    sent right after didOpen, already shows the `defaultEvent` they name."""
    settings = {"defaultEvent": "other"}
    if given == "pulled":
        client = await start_client(echo, configuration=settings)
    else:
        client = await start_client(echo, editor=NEOVIM_DEBIAN, init_options={"lamina": settings})
    handler = echo / "src" / "app.py"
    open_document(client, handler)
    titles = [lens.command.title for lens in await lenses(client, handler) if lens.command]
    assert titles[-1] == "{ } Event: other"


async def test_pyproject_settings_under_the_editors(echo, start_client):
    (echo / "pyproject.toml").write_text('[tool.lamina]\ndefaultEvent = "other"\n')
    client = await start_client(echo)
    assert await event_of_a_run(client) == {"name": "other"}
    client = await start_client(echo, configuration={"defaultEvent": "hello"})
    assert await event_of_a_run(client) == {"name": "hello"}


async def test_re_read_on_did_change_configuration(echo, start_client):
    client = await start_client(echo)
    handler = echo / "src" / "app.py"
    open_document(client, handler)
    assert await event_of_a_run(client) == {"name": "hello"}

    client.set_configuration({"defaultEvent": "other"}, section="lamina")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for(lambda: client.lens_refreshes)
    titles = [lens.command.title for lens in await lenses(client, handler) if lens.command]
    assert titles[-1] == "{ } Event: other"
    assert await event_of_a_run(client) == {"name": "other"}


async def test_pushed_settings_from_a_client_without_pull(echo, start_client):
    client = await start_client(echo, editor=NEOVIM_DEBIAN)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"lamina": {"defaultEvent": "other"}})
    )
    assert await event_of_a_run(client) == {"name": "other"}


async def test_a_new_runtime_client_replaces_the_environments(echo, start_client):
    client = await start_client(echo)
    await event_of_a_run(client)
    pid = server_pid(client)
    assert not any("awslambdaric" in line for line in command_lines_below(pid))

    client.set_configuration({"runtimeClient": "awslambdaric"}, section="lamina")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for(lambda: not children_of(pid))  # the old environment ended
    result = await execute(client, "lamina.run", {"function": "EchoFunction"})
    assert result["ok"] and result["cold"]
    assert any("awslambdaric" in line for line in command_lines_below(pid))


async def test_bad_values_are_shown_then_defaults_used(echo, start_client):
    client = await start_client(
        echo,
        configuration={
            "runtimeClient": "java",
            "python": "/no/such/python",
            "debug": {"port": 70000},
            "sync.target": "aws",
            "sync": {"protectedAliases": "live"},
        },
    )
    warning = await wait_for(lambda: [m for m in client.messages if "Lamina settings" in m.message])
    assert warning[0].type == types.MessageType.Warning
    text = warning[0].message
    assert 'lamina.runtimeClient must be "lamina" or "awslambdaric", not \'java\'' in text
    assert "no Python interpreter at '/no/such/python'" in text
    assert "lamina.debug.port must be a whole number from 0 to 65535, not 70000" in text
    assert "lamina.sync.protectedAliases must be a list of strings" in text
    assert "sync.target" not in text
    result = await execute(client, "lamina.run", {"function": "EchoFunction"})
    assert result["ok"] is True  # with the defaults: Lamina's runtime client, this Python


def test_validation_reads_nested_and_dotted_keys() -> None:
    settings, problems = validate_settings(
        {"sync": {"target": "aws", "functions": {"Fn": "fn-prod"}}, "debug.waitForClient": False}
    )
    assert problems == []
    assert settings.get("sync.target") == "aws"
    assert settings.get("sync.functions") == {"Fn": "fn-prod"}
    assert settings.get("debug.waitForClient") is False
    assert settings.get("runtimeClient") == "lamina"
