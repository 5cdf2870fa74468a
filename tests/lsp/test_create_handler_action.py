""" "Lamina: Create handler…", the `source.lamina` code action for editors without a command
palette of Lamina's own (eglot, Kate, Helix): offered in the template and the project's Python
files, never in a quick fix; it asks for the kind under a free name where the client can
(window/showMessageRequest), and otherwise creates NewFunction, NewFunction2, ... and says so."""

from __future__ import annotations

import pytest
from lsp_harness import code_actions, execute, line_of, open_document, wait_for, write_echo_project
from lsprotocol import types

from lamina.project import load_project

CREATE = "Lamina: Create handler…"


def create_actions(actions):
    return [action for action in actions if action["title"] == CREATE]


async def test_offered_in_the_template_and_python_files_never_in_a_quick_fix(
    tmp_path, start_client
):
    root = write_echo_project(tmp_path / "echo")
    vendored = root / ".venv" / "lib" / "vendored.py"
    vendored.parent.mkdir(parents=True)
    vendored.write_text("x = 1\n")
    client = await start_client(root, editor="emacs")
    template, handler = root / "template.yaml", root / "src" / "helper.py"
    for path, line in ((template, line_of(template, "EchoFunction:")), (handler, 0)):
        open_document(client, path)
        offered = create_actions(await code_actions(client, path, line))
        assert offered == [
            {
                "title": CREATE,
                "kind": "source.lamina",
                "command": {
                    "title": CREATE,
                    "command": "lamina.createHandler",
                    "arguments": [{"pick": True}],
                },
            }
        ], path
        assert create_actions(await code_actions(client, path, line, only=["source.lamina"]))
        assert await code_actions(client, path, line, only=["quickfix"]) == []
    # Not in a sample event, nor in a virtual environment's module.
    for path in (root / "events" / "hello.json", vendored):
        actions = await code_actions(client, path, 0)
        assert "Lamina: Sync all functions" in [action["title"] for action in actions]
        assert create_actions(actions) == [], path


async def test_not_offered_where_lamina_cannot_add_a_function(tmp_path, start_client):
    (tmp_path / "serverless.yml").write_text(
        "service: orders\nprovider:\n  name: aws\n  runtime: python3.12\n"
        "functions:\n  create:\n    handler: app.handler\n"
    )
    (tmp_path / "app.py").write_text("import os\n\n\ndef handler(event, context):\n    return 1\n")
    client = await start_client(tmp_path, editor="emacs")
    for path in (tmp_path / "app.py", tmp_path / "serverless.yml"):
        open_document(client, path)
        actions = await code_actions(client, path, 0)
        assert "Lamina: Sync all functions" in [action["title"] for action in actions]
        assert create_actions(actions) == [], path


async def run_action(client, path):
    action = create_actions(await code_actions(client, path, 0))[0]
    command = action["command"]
    return await execute(client, command["command"], command["arguments"][0])


async def test_without_a_question_it_creates_a_free_name_and_says_which(tmp_path, start_client):
    """Eglot and Kate can't ask: a plain function under the first free name, then the next."""
    root = write_echo_project(tmp_path / "echo")
    client = await start_client(root, editor="emacs")
    helper = root / "src" / "helper.py"
    open_document(client, helper)

    first = await run_action(client, helper)
    assert (first["function"], first["template"]) == ("NewFunction", "plain")
    handler = root / "src" / "new.py"
    assert first["handlerFile"]["uri"] == handler.as_uri()
    line = first["handlerFile"]["line"]
    assert handler.read_text().splitlines()[line].startswith("def handler(")
    told = await wait_for(
        lambda: [m.message for m in client.messages if "NewFunction" in m.message]
    )
    assert told == [
        f"Lamina: created NewFunction (plain) in template.yaml, its handler in src/new.py:"
        f"{line + 1}; rename it in template.yaml as you like"
    ]

    second = await run_action(client, helper)
    assert second["function"] == "NewFunction2"
    assert (root / "src" / "new_function2.py").is_file()
    text = (root / "template.yaml").read_text()
    assert "\n  NewFunction:\n" in text and "\n  NewFunction2:\n" in text
    project = load_project(root)
    assert list(project.functions) == ["EchoFunction", "NewFunction", "NewFunction2"]
    assert project.functions["NewFunction2"].handler == "new_function2.handler"
    result = await execute(client, "lamina.run", {"function": "NewFunction2"})
    assert result["ok"], result


@pytest.mark.parametrize("answer", ["NewSqsFunction (sqs)", None])
async def test_a_client_that_can_ask_offers_each_kind_under_a_free_name(
    answer, tmp_path, start_client
):
    root = write_echo_project(tmp_path / "echo")
    (root / "src" / "new.py").write_text("VALUE = 1\n")  # NewFunction's module: taken
    before = (root / "template.yaml").read_text()
    client = await start_client(root, editor="neovim")
    asked: list[types.ShowMessageRequestParams] = []

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def choose(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
        asked.append(params)
        return types.MessageActionItem(title=answer) if answer else None

    template = root / "template.yaml"
    open_document(client, template)
    result = await run_action(client, template)
    assert [item.title for item in asked[0].actions or []] == [
        "NewFunction2 (plain)",
        "NewHttpApiFunction (http-api)",
        "NewSqsFunction (sqs)",
        "NewS3Function (s3)",
        "NewEventBridgeFunction (eventbridge)",
        "NewScheduledFunction (scheduled)",
    ]
    assert "create a handler in template.yaml" in asked[0].message
    if answer is None:  # dismissed: nothing created
        assert result == {"function": None, "cancelled": True}
        assert template.read_text() == before
        assert sorted(p.name for p in (root / "src").iterdir()) == ["app.py", "helper.py", "new.py"]
        return
    assert (result["function"], result["template"]) == ("NewSqsFunction", "sqs")
    spec = load_project(root).functions["NewSqsFunction"]
    assert spec.handler == "new_sqs.handler"
    assert "NewSqsFunctionQueue:" in template.read_text()
    ran = await execute(client, "lamina.run", {"function": "NewSqsFunction"})
    assert ran["payload"] == {"batchItemFailures": []}
