"""Code lenses: over each handler and each function resource, for each sample, as the editors
ask for them; none on helpers, imports or tests; they follow the editor's text."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsp_harness import EDITORS, NEOVIM_DEBIAN, SAMPLES, execute, lenses, open_document
from lsprotocol import types

SAMPLE_HANDLERS = {
    "http-api": ("src/items_api.py", "handler", "ItemsFunction"),
    "sqs-batch": ("src/orders_worker.py", "handler", "OrdersWorkerFunction"),
    "warm-cache": ("src/exchange_rates.py", "handler", "RatesFunction"),
    "with-deps": ("src/upload_notifier.py", "handler", "UploadNotifierFunction"),
}
TITLES = ["▶ Run", "⚙ Debug", "⇪ Sync"]
APP_HANDLER_TEMPLATE = """\
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
"""


def def_line(path: Path, name: str) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines) if line.startswith(f"def {name}("))


def by_line(found: list[types.CodeLens]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for lens in found:
        assert lens.command is not None
        grouped.setdefault(lens.range.start.line, []).append(lens.command.title)
    return grouped


def is_route_lens(lens: types.CodeLens) -> bool:
    return lens.command is not None and lens.command.command == "lamina.openRoute"


@pytest.mark.parametrize("name", sorted(SAMPLE_HANDLERS))
async def test_lenses_over_each_sample_handler_and_resource(name, sample, start_client):
    root = sample(name)
    relative, function, logical_id = SAMPLE_HANDLERS[name]
    handler = root / relative
    client = await start_client(root)
    open_document(client, handler)

    # Route lenses (lamina.openRoute, tests/lsp/test_api.py) sit beside these on API handlers.
    found = [lens for lens in await lenses(client, handler) if not is_route_lens(lens)]
    line = def_line(handler, function)
    first_event = sorted(p.stem for p in (root / "events").glob("*.json"))[0]
    assert by_line(found) == {line: [*TITLES, f"{{ }} Event: {first_event}"]}
    for lens in found:
        assert lens.command is not None
        assert list(lens.command.arguments or []) == [{"function": logical_id}]
        assert lens.range.start.character == 4  # the name after `def `
    assert {lens.command.command for lens in found if lens.command} == {
        "lamina.run",
        "lamina.debug",
        "lamina.sync",
        "lamina.selectEvent",
    }

    template = root / "template.yaml"
    open_document(client, template)
    resource_line = next(
        i for i, text in enumerate(template.read_text().splitlines()) if text == f"  {logical_id}:"
    )
    template_lenses = [lens for lens in await lenses(client, template) if not is_route_lens(lens)]
    assert list(by_line(template_lenses)) == [resource_line]
    assert template_lenses[0].range.start.character == 2


@pytest.mark.parametrize("editor", EDITORS)
async def test_each_editor_gets_the_same_lenses(editor, sample, start_client):
    root = sample("sqs-batch")
    client = await start_client(root, editor=editor)
    handler = root / "src" / "orders_worker.py"
    open_document(client, handler)
    found = await lenses(client, handler)
    assert [lens.command.title for lens in found if lens.command] == [
        *TITLES,
        "{ } Event: mixed-batch",
    ]


async def test_no_lenses_on_helpers_imports_or_tests(tmp_path, start_client):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "from other import imported_handler\n"
        "\n"
        "def helper(a, b):\n"
        "    return a + b\n"
        "\n"
        "def _private(event, context):\n"
        "    return 1\n"
        "\n"
        "def process(event, params):\n"
        "    return 2\n"
        "\n"
        "async def worker(evt, ctx):\n"
        "    return 3\n"
        "\n"
        "def lambda_handler(event, context):\n"
        "    return helper(1, 2)\n"
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("def check(event, context):\n    pass\n")
    client = await start_client(tmp_path)
    app = tmp_path / "src" / "app.py"
    open_document(client, app)
    found = await lenses(client, app)
    assert sorted(by_line(found)) == [11, 14]  # worker and lambda_handler
    runs = [
        list(lens.command.arguments or [])
        for lens in found
        if lens.command and "Run" in lens.command.title
    ]
    assert runs == [
        [{"function": "src/app.py:worker"}],
        [{"function": "src/app.py:lambda_handler"}],
    ]
    test_file = tmp_path / "tests" / "test_app.py"
    open_document(client, test_file)
    assert await lenses(client, test_file) == []


async def test_template_handler_bound_by_an_import_gets_no_python_lens(tmp_path, start_client):
    (tmp_path / "template.yaml").write_text(APP_HANDLER_TEMPLATE)
    (tmp_path / "impl.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "app.py").write_text("from impl import handler\n")
    client = await start_client(tmp_path)
    open_document(client, tmp_path / "app.py")
    assert await lenses(client, tmp_path / "app.py") == []
    assert by_line(await lenses(client, tmp_path / "template.yaml")) == {
        1: [*TITLES, "{ } Event: none"]
    }


async def test_lenses_follow_unsaved_edits(sample, start_client):
    root = sample("warm-cache")
    client = await start_client(root)
    handler = root / "src" / "exchange_rates.py"
    uri = open_document(client, handler)
    line = def_line(handler, "handler")
    assert list(by_line(await lenses(client, handler))) == [line]

    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=0, character=0),
                        end=types.Position(line=0, character=0),
                    ),
                    text="# one\n# two\n# three\n",
                )
            ],
        )
    )
    assert list(by_line(await lenses(client, handler))) == [line + 3]

    template = root / "template.yaml"
    template_uri = open_document(client, template)
    resource = next(
        i for i, t in enumerate(template.read_text().splitlines()) if t == "  RatesFunction:"
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=template_uri, version=2),
            content_changes=[
                types.TextDocumentContentChangeWholeDocument(
                    text="# a comment first\n\n" + template.read_text()
                )
            ],
        )
    )
    assert list(by_line(await lenses(client, template))) == [resource + 2]


async def test_a_function_added_on_disk_gets_lenses(sample, start_client):
    """Neovim 0.7 can't watch files: the server's own watcher sees the template change."""
    root = sample("sqs-batch")
    client = await start_client(root, editor=NEOVIM_DEBIAN)
    template = root / "template.yaml"
    open_document(client, template)
    assert len(by_line(await lenses(client, template))) == 1

    (root / "src" / "extra.py").write_text("def handler(event, context):\n    return 'extra'\n")
    template.write_text(
        template.read_text() + "\n  ExtraFunction:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: src/\n"
        "      Handler: extra.handler\n"
    )
    extra = template.read_text().splitlines().index("  ExtraFunction:")

    async def lines() -> list[int]:
        return sorted(by_line(await lenses(client, template)))

    found: list[int] = []
    for _ in range(100):
        found = await lines()
        if extra in found:
            break
        await asyncio.sleep(0.05)
    assert extra in found
    result = await execute(client, "lamina.run", {"function": "ExtraFunction"})
    assert result["payload"] == "extra"


async def test_selecting_an_event_changes_the_lens(sample, start_client):
    root = sample("http-api")
    client = await start_client(root)
    handler = root / "src" / "items_api.py"
    open_document(client, handler)
    answer = await execute(
        client, "lamina.selectEvent", {"function": "ItemsFunction", "event": "list-items"}
    )
    assert answer["event"] == "list-items"
    titles = [lens.command.title for lens in await lenses(client, handler) if lens.command]
    assert titles[-1] == "{ } Event: list-items"
    # Without an event (and no showMessageRequest answer), the next one is taken.
    answer = await execute(client, "lamina.selectEvent", {"function": "ItemsFunction"})
    assert answer["event"] == "unknown-route"


def test_every_sample_is_covered() -> None:
    assert sorted(p.name for p in SAMPLES.iterdir() if (p / "template.yaml").exists()) == sorted(
        SAMPLE_HANDLERS
    )


async def test_a_missing_template_handler_leaves_the_files_other_def_without_a_lens(
    tmp_path, start_client
):
    """The template names app.handler, app.py has only lambda_handler: a Run lens on it would
    run a function the template does not. The template's resource keeps its lens (that run
    fails as Lambda does) and the diagnostic names the missing function."""
    (tmp_path / "template.yaml").write_text(APP_HANDLER_TEMPLATE)
    app = tmp_path / "app.py"
    app.write_text("def lambda_handler(event, context):\n    return 1\n")
    client = await start_client(tmp_path)
    open_document(client, app)
    assert await lenses(client, app) == []
    assert by_line(await lenses(client, tmp_path / "template.yaml")) == {
        1: [*TITLES, "{ } Event: none"]
    }
    other = tmp_path / "other.py"  # a file no template names keeps its handler lens
    other.write_text("def lambda_handler(event, context):\n    return 2\n")
    open_document(client, other)
    assert by_line(await lenses(client, other)) == {0: [*TITLES, "{ } Event: none"]}


async def test_the_source_beside_a_zipped_code_uri_says_run_runs_the_archive(
    tmp_path, start_client
):
    """CodeUri: src/app.zip with src/app.py beside it: the lens on app.py runs the template's
    function, which runs the archive, and its title says so (an edit to app.py is not run)."""
    import zipfile

    (tmp_path / "template.yaml").write_text(
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: src/app.zip\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
    )
    (tmp_path / "src").mkdir()
    app = tmp_path / "src" / "app.py"
    app.write_text("def handler(event, context):\n    return 'edited, not zipped'\n")
    with zipfile.ZipFile(tmp_path / "src" / "app.zip", "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 'zipped'\n")
    client = await start_client(tmp_path)
    open_document(client, app)
    found = await lenses(client, app)
    assert by_line(found) == {0: ["▶ Run app.zip (not this file)", *TITLES[1:], "{ } Event: none"]}
    assert [list(lens.command.arguments or []) for lens in found if lens.command] == [
        [{"function": "Fn"}]
    ] * 4
    result = await execute(client, "lamina.run", {"function": "Fn"})
    assert result["payload"] == "zipped"
