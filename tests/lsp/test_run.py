"""lamina.run: each event source, the result four ways, runs after edits, and the errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from lsp_harness import (
    NEOVIM_DEBIAN,
    children_of,
    execute,
    open_document,
    save_document,
    server_pid,
    wait_for,
    write_echo_project,
)
from lsprotocol import types
from pygls.exceptions import JsonRpcException


async def run(client, **arguments):
    return await execute(client, "lamina.run", arguments)


@pytest.fixture
def echo(tmp_path: Path) -> Path:
    return write_echo_project(tmp_path / "echo")


async def test_each_event_source(echo, start_client):
    client = await start_client(echo)
    (echo / "elsewhere.json").write_text('{"name": "by path"}')

    first = await run(client, function="EchoFunction")  # the first sample event
    assert (first["event"], first["payload"]["event"]) == ("hello", {"name": "hello"})
    by_name = await run(client, function="EchoFunction", event="other")
    assert by_name["payload"]["event"] == {"name": "other"}
    by_path = await run(client, function="EchoFunction", event="elsewhere.json")
    assert by_path["payload"]["event"] == {"name": "by path"}
    absolute = await run(client, function="EchoFunction", event=str(echo / "events/other.json"))
    assert absolute["payload"]["event"] == {"name": "other"}
    inline = await run(client, function="EchoFunction", eventJson={"inline": [1, 2]})
    assert (inline["event"], inline["payload"]["event"]) == ("inline", {"inline": [1, 2]})
    as_text = await run(client, function="EchoFunction", eventJson='{"text": true}')
    assert as_text["payload"]["event"] == {"text": True}

    await execute(client, "lamina.selectEvent", {"function": "EchoFunction", "event": "other"})
    selected = await run(client, function="EchoFunction")
    assert (selected["event"], selected["payload"]["event"]) == ("other", {"name": "other"})
    assert selected["payload"]["greeting"] == "hello"


async def test_default_event_setting_and_no_events(tmp_path, start_client):
    root = write_echo_project(tmp_path / "p", events={"a": '{"n": "a"}', "b": '{"n": "b"}'})
    client = await start_client(root, configuration={"defaultEvent": "b"})
    assert (await run(client, function="EchoFunction"))["payload"]["event"] == {"n": "b"}

    bare = write_echo_project(tmp_path / "bare", events={})
    client = await start_client(bare)
    result = await run(client, function="EchoFunction")
    assert (result["event"], result["payload"]["event"]) == (None, {})


async def test_the_result_four_ways(echo, start_client):
    client = await start_client(echo)
    result = await run(client, function="EchoFunction", event="hello")
    assert result["ok"] is True and result["cold"] is True
    assert result["initDurationMs"] > 0 and result["memorySizeMb"] == 128
    assert set(result) >= {
        "id", "function", "event", "ok", "payload", "logs", "durationMs", "billedDurationMs",
        "memorySizeMb", "maxMemoryUsedMb", "initDurationMs", "cold",
    }  # fmt: skip
    assert "echo got {'name': 'hello'}" in result["logs"]

    notification = await wait_for(lambda: client.invocation_results)
    assert notification[0].id == result["id"] and notification[0].ok is True
    assert any(result["id"] in m.message and "REPORT" in m.message for m in client.log_messages)
    summary = await wait_for(lambda: [m for m in client.messages if "EchoFunction" in m.message])
    assert summary[0].type == types.MessageType.Info
    assert summary[0].message.startswith("✓ EchoFunction with hello")

    warm = await run(client, function="EchoFunction", event="hello")
    assert (warm["cold"], warm["initDurationMs"]) == (False, None)


async def test_a_client_that_shows_results_itself_gets_no_summary_message(echo, start_client):
    client = await start_client(echo, experimental={"lamina": {"invocationResults": True}})
    ok = await run(client, function="EchoFunction", event="hello")
    failed = await run(client, function="EchoFunction", eventJson={"fail": True})
    assert (ok["ok"], failed["ok"]) == (True, False)
    notified = await wait_for(lambda: client.invocation_results[1:])
    assert [n.id for n in client.invocation_results] == [ok["id"], failed["id"]]
    assert notified[0].ok is False
    assert any(ok["id"] in m.message for m in client.log_messages)  # the logs still go out
    assert [m.message for m in client.messages if "EchoFunction" in m.message] == []


async def test_a_sample_with_each_of_its_events(sample, start_client):
    root = sample("http-api")
    client = await start_client(root, editor="emacs")
    for event, status in (("get-item", 200), ("get-item-missing", 404), ("create-item", 201)):
        result = await run(client, function="ItemsFunction", event=event)
        assert result["payload"]["statusCode"] == status, event
    by_name = await run(client, function="items-api", event="list-items")  # the FunctionName
    assert json.loads(by_name["payload"]["body"])["count"] >= 1
    target = await run(client, function="src/items_api.py:handler", event="get-item")
    assert target["function"] == "ItemsFunction"


async def test_without_a_function(echo, sample, start_client):
    client = await start_client(echo)
    assert (await execute(client, "lamina.run"))["function"] == "EchoFunction"  # the only one
    (echo / "template.yaml").write_text(
        (echo / "template.yaml").read_text() + "  Second:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12}\n"
    )
    client = await start_client(echo)
    with pytest.raises(JsonRpcException) as caught:
        await execute(client, "lamina.run")
    assert (
        'lamina.run needs "function": a logical id (EchoFunction, Second)' in caught.value.message
    )


async def test_a_handler_file_without_a_template(tmp_path, start_client):
    (tmp_path / "tool.py").write_text("def handler(event, context):\n    return {'got': event}\n")
    client = await start_client(tmp_path)
    result = await run(client, function="tool.py:handler", eventJson={"x": 1})
    assert result["payload"] == {"got": {"x": 1}}


@pytest.mark.parametrize("how", ["didSave", "watched-files", "on-disk"])
async def test_a_run_after_an_edit_runs_the_new_code(how, echo, start_client):
    editor = NEOVIM_DEBIAN if how == "on-disk" else "visual-studio-code"
    client = await start_client(echo, editor=editor)
    handler, helper = echo / "src" / "app.py", echo / "src" / "helper.py"
    open_document(client, handler)
    assert (await run(client, function="EchoFunction"))["payload"]["version"] == 1

    helper.write_text("VERSION = 2\n")  # not the handler file: only its folder tells
    if how == "didSave":
        open_document(client, helper)
        save_document(client, helper)
    elif how == "watched-files":
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=helper.as_uri(), type=types.FileChangeType.Changed)]
            )
        )
    else:
        await asyncio.sleep(0.6)  # the server's own watcher, then its quiet spell

    result = await run(client, function="EchoFunction")
    assert result["payload"]["version"] == 2
    assert result["cold"] is True


async def test_an_edit_of_the_handler_file_is_never_missed(echo, start_client):
    """Even with no save and no watcher event, a changed handler file starts cold."""
    client = await start_client(echo, editor="emacs")
    assert (await run(client, function="EchoFunction"))["payload"]["greeting"] == "hello"
    handler = echo / "src" / "app.py"
    handler.write_text(handler.read_text().replace('"greeting"', '"salutation"'))
    result = await run(client, function="EchoFunction")
    assert result["payload"]["salutation"] == "hello"


async def test_opening_a_handler_starts_an_environment_ahead(echo, start_client):
    client = await start_client(echo)
    pid = server_pid(client)
    assert children_of(pid) == []
    open_document(client, echo / "src" / "app.py")
    await wait_for(lambda: children_of(pid))
    result = await run(client, function="EchoFunction")
    assert result["payload"]["version"] == 1
    # The run took the prewarmed environment: one stays (a spare the fork server is still
    # making ready is named lamina-spare a moment after its fork, and then not counted).
    await wait_for(lambda: len(children_of(pid)) == 1)


async def test_a_function_error_points_at_its_line(echo, start_client):
    client = await start_client(echo)
    result = await run(client, function="EchoFunction", eventJson={"fail": True})
    assert result["ok"] is False
    error = result["error"]
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "asked to fail")
    source = (echo / "src" / "app.py").read_text().splitlines()
    assert error["location"]["uri"] == (echo / "src" / "app.py").resolve().as_uri()
    assert "raise ValueError" in source[error["location"]["line"]]
    message = await wait_for(lambda: [m for m in client.messages if "✗" in m.message])
    assert message[0].type == types.MessageType.Error
    assert "ValueError: asked to fail at app.py:" in message[0].message


MISTAKES = [
    ({"function": "Nope"}, "unknown function 'Nope' (known: EchoFunction)"),
    ({"function": "EchoFunction", "event": "nope"}, "no event 'nope' for function EchoFunction"),
    ({"function": "EchoFunction", "event": "broken"}, "broken.json:2: the event is not valid JSON"),
    ({"function": "EchoFunction", "eventJson": "{nope"}, "eventJson is not valid JSON"),
    ({"function": 3}, '"function" must be a string'),
]


async def test_mistakes_are_one_clear_line(echo, start_client):
    (echo / "events" / "broken.json").write_text('{\n  "a": nope\n}\n')
    client = await start_client(echo)
    for arguments, expected in MISTAKES:
        with pytest.raises(JsonRpcException) as caught:
            await run(client, **arguments)
        assert expected in caught.value.message
        assert "Traceback" not in caught.value.message
    # The server goes on.
    assert (await run(client, function="EchoFunction", event="hello"))["ok"] is True
