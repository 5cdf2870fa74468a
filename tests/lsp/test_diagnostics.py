"""Diagnostics with exact ranges, published on open and save, and the quick fix of each."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_harness import (
    apply_workspace_edit,
    code_actions,
    execute,
    open_document,
    save_document,
    wait_for,
)
from lsprotocol import types

from lamina.project.lambda_runtimes import local_runtime

TEMPLATE = """\
Globals:
  Function:
    Timeout: 1000
Resources:
  MissingFile:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: nowhere.handler
      Runtime: python3.12
  MissingFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.absent
      Runtime: python3.7
      MemorySize: 64
  BadSignature:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.one_argument
      Runtime: python3.12
      MemorySize: 20000
      Architectures:
        - arm64
  WrongFolder:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: scr/
      Handler: app.one_argument
      Runtime: python3.12
  NotPython:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: web/
      Handler: index.handler
      Runtime: nodejs20.x
"""
APP = """\
import json


def one_argument(event):
    return json.dumps(event)
"""


def span(text: str, line_text: str, word: str) -> tuple[int, int, int]:
    """(line, start, end) of `word` on the line whose text is `line_text`."""
    line = text.splitlines().index(line_text)
    start = line_text.index(word)
    return line, start, start + len(word)


def at(diagnostic: types.Diagnostic) -> tuple[int, int, int]:
    r = diagnostic.range
    assert r.start.line == r.end.line
    return r.start.line, r.start.character, r.end.character


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(APP)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    return tmp_path


async def diagnostics_of(client, path: Path, count: int | None = None) -> list[types.Diagnostic]:
    uri = path.as_uri()

    def ready() -> tuple[list[types.Diagnostic]] | None:
        found = client.diagnostics.get(uri)
        if found is None or (count is not None and len(found) != count):
            return None
        return (list(found),)

    return (await wait_for(ready))[0]


async def fixes(client, path: Path, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    return [a for a in actions or [] if isinstance(a, types.CodeAction)]


async def test_template_checks_with_exact_ranges(project, start_client):
    client = await start_client(project)
    template = project / "template.yaml"
    open_document(client, template)
    found = {d.code: d for d in await diagnostics_of(client, template, 8)}
    memory = [
        at(d) for d in client.diagnostics[template.as_uri()] if d.code == "memorysize-out-of-range"
    ]
    text = TEMPLATE
    assert at(found["handler-file-missing"]) == span(
        text, "      Handler: nowhere.handler", "nowhere.handler"
    )
    assert at(found["handler-function-missing"]) == span(
        text, "      Handler: app.absent", "app.absent"
    )
    assert at(found["runtime-unsupported"]) == span(text, "      Runtime: python3.7", "python3.7")
    assert at(found["timeout-out-of-range"]) == span(text, "    Timeout: 1000", "1000")
    assert found["timeout-out-of-range"].message.startswith(
        "Globals.Function: Timeout must be 1-900"
    )
    assert memory == [
        span(text, "      MemorySize: 64", "64"),
        span(text, "      MemorySize: 20000", "20000"),
    ]
    assert at(found["code-uri-missing"]) == span(text, "      CodeUri: scr/", "scr/")
    assert at(found["runtime-not-python"]) == span(text, "      Runtime: nodejs20.x", "nodejs20.x")
    assert found["runtime-not-python"].severity == types.DiagnosticSeverity.Information
    assert found["handler-file-missing"].severity == types.DiagnosticSeverity.Error
    assert all(d.source == "lamina" for d in found.values())


async def test_an_unsaved_handler_in_the_editor_counts(project, start_client):
    """What Create Handler leaves in VS Code: the new function is in the editor, not yet on disk."""
    client = await start_client(project)
    app = project / "src" / "app.py"
    unsaved = APP + "\n\ndef absent(event, context):\n    return {}\n"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=app.as_uri(), language_id="python", version=1, text=unsaved
            )
        )
    )
    template = project / "template.yaml"
    open_document(client, template)
    codes = [d.code for d in await diagnostics_of(client, template, 7)]
    assert "handler-function-missing" not in codes
    assert "handler-file-missing" in codes  # the other checks are unchanged


async def test_each_template_fix(project, start_client):
    client = await start_client(project)
    template = project / "template.yaml"
    open_document(client, template)
    found = await diagnostics_of(client, template, 8)
    titles: dict[str, list[str]] = {}
    for diagnostic in found:
        actions = await fixes(client, template, diagnostic)
        titles.setdefault(str(diagnostic.code), []).extend(a.title for a in actions)
        for action in actions:
            assert action.kind == types.CodeActionKind.QuickFix
            assert action.edit is not None
            apply_workspace_edit(action.edit)
    assert titles == {
        "handler-file-missing": ["Create nowhere.py with handler(event, context)"],
        "handler-function-missing": ["Add absent(event, context) to app.py"],
        "runtime-unsupported": [f"Use {local_runtime()}"],
        "timeout-out-of-range": ["Set Timeout to 900"],
        "memorysize-out-of-range": ["Set MemorySize to 128", "Set MemorySize to 10240"],
        "code-uri-missing": ["Change to src/"],
        "runtime-not-python": [],
    }
    assert "def absent(event, context):" in (project / "src" / "app.py").read_text()
    assert (project / "src" / "nowhere.py").read_text().startswith("def handler(event, context):")
    assert "CodeUri: src/" in template.read_text() and "scr/" not in template.read_text()

    # Saved, the template is checked again: only what no fix touched is left.
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=template.as_uri())
        )
    )
    open_document(client, template, version=2)
    save_document(client, template)
    remaining = await diagnostics_of(client, template, 1)
    assert [d.code for d in remaining] == ["runtime-not-python"]


async def test_a_handler_that_cannot_take_event_and_context(project, start_client):
    client = await start_client(project)
    app = project / "src" / "app.py"
    open_document(client, app)
    (diagnostic,) = await diagnostics_of(client, app, 1)
    assert diagnostic.code == "handler-signature"
    assert at(diagnostic) == span(APP, "def one_argument(event):", "one_argument")
    assert "can't be called as one_argument(event, context)" in diagnostic.message
    (action,) = await fixes(client, app, diagnostic)
    assert action.title == "Change to one_argument(event, context)"
    assert action.edit is not None
    apply_workspace_edit(action.edit)
    assert "def one_argument(event, context):" in app.read_text()
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=app.as_uri())
        )
    )
    open_document(client, app, version=2)
    await diagnostics_of(client, app, 0)


async def test_a_template_that_does_not_parse(tmp_path, start_client):
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Fn:\n    Type: [unclosed\n")
    client = await start_client(tmp_path)
    open_document(client, template)
    (diagnostic,) = await diagnostics_of(client, template, 1)
    assert diagnostic.code == "template-error" and diagnostic.message.startswith("invalid YAML")
    with pytest.raises(Exception) as caught:
        await execute(client, "lamina.listFunctions", {})
    assert "template.yaml" in str(caught.value)


async def test_requirements_not_installed(sample, start_client):
    root = sample("with-deps")
    requirements = root / "src" / "requirements.txt"
    requirements.write_text(
        "# humanize is installed here; the other is not\n"
        "humanize>=4\n"
        "lamina-test-missing-package[extra] == 1.0  # pinned\n"
        "-r other.txt\n"
        "colorama; sys_platform == 'win32'\n"
    )
    client = await start_client(root)
    open_document(client, requirements)
    (diagnostic,) = await diagnostics_of(client, requirements, 1)
    assert diagnostic.code == "requirement-not-installed"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert at(diagnostic) == (2, 0, len("lamina-test-missing-package"))
    line = diagnostic.range.start.line
    (action,) = await code_actions(client, requirements, line, diagnostics=[diagnostic])
    assert action["kind"] == "quickfix"
    command = action["command"]
    command = command._asdict() if hasattr(command, "_asdict") else command
    assert command["command"] == "lamina.installRequirements"
    arguments = [a._asdict() if hasattr(a, "_asdict") else a for a in command["arguments"]]
    assert arguments == [{"function": "UploadNotifierFunction"}]


async def test_emacs_gets_no_fix_it_could_not_apply(project, start_client):
    client = await start_client(project, editor="emacs")  # no file creation through edits
    template = project / "template.yaml"
    open_document(client, template)
    found = {d.code: d for d in await diagnostics_of(client, template, 8)}
    assert await fixes(client, template, found["handler-file-missing"]) == []
    assert [a.title for a in await fixes(client, template, found["timeout-out-of-range"])] == [
        "Set Timeout to 900"
    ]


async def test_architectures_lambda_rejects(tmp_path, start_client):
    """Lambda takes one architecture, x86_64 or arm64: the list is marked with CreateFunction's
    own message (the load stops with it too, naming the function)."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    text = (
        "Resources:\n"
        "  Both:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: src/\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      Architectures: [x86_64, arm64]\n"
    )
    template = tmp_path / "template.yaml"
    template.write_text(text)
    client = await start_client(tmp_path)
    open_document(client, template)
    (diagnostic,) = await diagnostics_of(client, template, 1)
    assert diagnostic.code == "architectures-invalid"
    assert at(diagnostic) == span(text, "      Architectures: [x86_64, arm64]", "[x86_64, arm64]")
    assert diagnostic.message == (
        "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to "
        "satisfy constraint: Member must have length less than or equal to 1"
    )
