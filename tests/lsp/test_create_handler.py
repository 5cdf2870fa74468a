"""lamina.createHandler (and `lamina new`, through the same scaffolding): on an empty folder and
on a template with comments; through workspace/applyEdit, or files where the client can't;
the result loads in the project model, keeps the comments, and runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lsp_harness import EDITORS, NEOVIM_DEBIAN, execute, wait_for
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from lamina.project import load_project
from lamina.project.scaffold import kind_names

COMMENTED_TEMPLATE = """\
# The orders service. Keep this comment!
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31

Globals:
  Function:
    Runtime: python3.12   # the runtime we deploy
    Timeout: 10

Resources:
    # Four-space indentation, on purpose.
    ExistingFunction:
        Type: AWS::Serverless::Function
        Properties:
            CodeUri: src/
            Handler: existing.handler  # trailing comment

    # A comment after the last resource stays with it.

Outputs:
  # Outputs come after the resources.
  Name:
    Value: !Ref ExistingFunction
"""


async def create(client, **arguments):
    return await execute(client, "lamina.createHandler", arguments)


@pytest.mark.parametrize("editor", [*EDITORS, NEOVIM_DEBIAN])
async def test_create_on_an_empty_folder(editor, tmp_path, start_client):
    client = await start_client(tmp_path, editor=editor)
    answer = await create(client, template="http-api", name="OrdersApi")
    assert answer["function"] == "OrdersApi"
    # VS Code creates files through the edit; Neovim has no documentChanges and Emacs can't
    # create files, so the server writes them.
    assert answer["applied"] == ("workspaceEdit" if editor == "visual-studio-code" else "files")
    handler = tmp_path / "src" / "orders_api.py"
    for path in (handler, tmp_path / "template.yaml", tmp_path / "events" / "orders-api.json",
                 tmp_path / "tests" / "test_orders_api.py"):  # fmt: skip
        assert path.is_file(), path
    project = load_project(tmp_path)
    spec = project.functions["OrdersApi"]
    assert (spec.handler, spec.code_dir) == ("orders_api.handler", tmp_path / "src")
    assert [e.name for e in spec.events] == ["orders-api"]

    show_document = client.capabilities.window.show_document
    if show_document is not None and show_document.support:  # VS Code, Neovim 0.11
        shown = await wait_for(lambda: client.shown_documents)
        assert shown[0].uri == handler.as_uri() and shown[0].take_focus
        line = handler.read_text().splitlines()[shown[0].selection.start.line]
        assert line.startswith("def handler(")
    else:
        await wait_for(lambda: [m for m in client.messages if "Created OrdersApi" in m.message])

    result = await execute(client, "lamina.run", {"function": "OrdersApi"})
    assert result["ok"] and result["payload"]["statusCode"] == 200


@pytest.mark.parametrize("editor", ["visual-studio-code", "emacs"])
async def test_create_in_a_commented_template(editor, tmp_path, start_client):
    (tmp_path / "template.yaml").write_text(COMMENTED_TEMPLATE)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "existing.py").write_text("def handler(event, context):\n    return 1\n")
    client = await start_client(tmp_path, editor=editor)
    answer = await create(client, template="sqs", name="OrdersWorker", path="src")
    # Emacs edits the template; the new files are written by the server.
    assert answer["applied"] == {"emacs": "workspaceEdit+files"}.get(editor, "workspaceEdit")
    edit = client.applied_edits[0].edit
    template_edits = [
        c for c in edit.document_changes
        if isinstance(c, types.TextDocumentEdit) and c.text_document.uri.endswith("template.yaml")
    ]  # fmt: skip
    assert len(template_edits) == 1 and template_edits[0].edits[0].range.start.line > 10

    text = (tmp_path / "template.yaml").read_text()
    assert text.startswith(COMMENTED_TEMPLATE.split("\n\nOutputs:")[0])  # untouched above
    for comment in ("# The orders service. Keep this comment!", "# the runtime we deploy",
                    "# trailing comment", "# A comment after the last resource stays with it.",
                    "# Outputs come after the resources."):  # fmt: skip
        assert comment in text
    assert "\n    OrdersWorker:\n        Type: AWS::Serverless::Function\n" in text  # its indent
    assert "OrdersWorkerQueue:" in text and "Runtime:" not in text.split("OrdersWorker:")[1]
    assert text.index("OrdersWorker:") < text.index("Outputs:")

    project = load_project(tmp_path)
    assert list(project.functions) == ["ExistingFunction", "OrdersWorker"]
    result = await execute(client, "lamina.run", {"function": "OrdersWorker"})
    assert result["payload"] == {"batchItemFailures": []}


async def test_every_template_kind_makes_a_working_function(tmp_path, start_client):
    client = await start_client(tmp_path, editor=NEOVIM_DEBIAN)
    for index, kind in enumerate(kind_names()):
        name = f"Fn{index}{kind.title().replace('-', '')}"
        await create(client, template=kind, name=name)
        result = await execute(client, "lamina.run", {"function": name})
        assert result["ok"], (kind, result)
    # The generated unit tests pass too.
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{len(kind_names())} passed" in out.stdout


MISTAKES = [
    ({"template": "graphql", "name": "X"}, "unknown template 'graphql'"),
    ({"template": "plain", "name": "bad-name"}, "'bad-name' can't name a function"),
    ({"template": "plain", "name": "Existing"}, "src/existing.py exists already"),
    ({"template": "plain", "name": "Ok", "path": "../outside"}, "is outside the project"),
    ({"template": "plain"}, 'lamina.createHandler needs "name"'),
]


async def test_mistakes(tmp_path, start_client):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "existing.py").write_text("")
    client = await start_client(tmp_path)
    for arguments, expected in MISTAKES:
        with pytest.raises(JsonRpcException) as caught:
            await create(client, **arguments)
        assert expected in caught.value.message
    assert not (tmp_path / "template.yaml").exists()


def test_lamina_new_from_the_cli(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(COMMENTED_TEMPLATE)
    out = subprocess.run(
        [sys.executable, "-m", "lamina", "new", "scheduled", "Nightly", "--path", "jobs",
         "--project-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "created jobs/nightly.py" in out.stdout and "updated template.yaml" in out.stdout
    assert "Keep this comment!" in (tmp_path / "template.yaml").read_text()
    spec = load_project(tmp_path).functions["Nightly"]
    assert spec.code_dir == tmp_path / "jobs"
    again = subprocess.run(
        [sys.executable, "-m", "lamina", "new", "scheduled", "Nightly", "--path", "jobs",
         "--project-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 2
    assert again.stderr.startswith("error: ") and "exists already" in again.stderr


async def test_create_adds_to_the_template_the_setting_names(tmp_path, start_client):
    """The `template` setting's template, not a new template.yaml at the root (which the
    setting would hide)."""
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "stack.yaml").write_text(COMMENTED_TEMPLATE.replace("src/", "../src/"))
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "existing.py").write_text("def handler(event, context):\n    return 1\n")
    client = await start_client(tmp_path, configuration={"template": "infra/stack.yaml"})
    answer = await create(client, template="plain", name="Hello")
    assert (tmp_path / "infra" / "stack.yaml").as_uri() in answer["files"]
    assert not (tmp_path / "template.yaml").exists()
    rows = await execute(client, "lamina.listFunctions", {})
    assert {"ExistingFunction", "Hello"} <= {row["logicalId"] for row in rows}
    result = await execute(client, "lamina.run", {"function": "Hello"})
    assert result["ok"], result


async def test_create_in_a_serverless_service_is_refused_and_writes_nothing(tmp_path, start_client):
    (tmp_path / "serverless.yml").write_text(
        "service: orders\nprovider:\n  name: aws\n  runtime: python3.12\n"
        "functions:\n  create:\n    handler: app.handler\n"
    )
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    client = await start_client(tmp_path)
    with pytest.raises(JsonRpcException) as caught:
        await create(client, template="plain", name="Hello")
    assert "serverless.yml: the project's functions are defined here" in caught.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.py", "serverless.yml"]
