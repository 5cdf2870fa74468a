"""A workspace that would exhaust the server: a file over `lsp.maxFileSize` gets no lenses and
no diagnostics and one message; a template whose YAML aliases explode ("billion laughs") is a
diagnostic, not a hang. The server keeps answering either way; its memory is printed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psutil
from lsp_harness import lenses, open_document, server_pid, wait_for
from lsprotocol import types
from pygls.exceptions import JsonRpcException

HANDLER = "def handler(event, context):\n    return 1\n"
TEMPLATE = """\
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12}
"""


def alias_bomb() -> str:
    text = "Metadata:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    previous = "a"
    for name in "bcdefghij":
        text += f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text + TEMPLATE


def workspace(root: Path, template: str) -> None:
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(HANDLER)
    # Over the default lsp.maxFileSize (2 MB): about 2.4 MB.
    (root / "src" / "big.py").write_text(HANDLER + "".join(f"x{i} = {i}\n" for i in range(200_000)))
    (root / "template.yaml").write_text(template)


async def test_a_file_over_the_size_limit_is_skipped_once(tmp_path, start_client):
    workspace(tmp_path, TEMPLATE)
    client = await start_client(tmp_path)
    big = tmp_path / "src" / "big.py"
    open_document(client, big)
    assert await lenses(client, big) == []
    assert await lenses(client, big) == []
    said = await wait_for(
        lambda: [m for m in client.log_messages if "lsp.maxFileSize" in m.message]
    )
    assert len(said) == 1 and f"big.py is {big.stat().st_size} bytes" in said[0].message, said
    small = tmp_path / "src" / "app.py"
    open_document(client, small)
    assert len(await lenses(client, small)) == 4  # Run, Debug, Sync, Event


async def test_a_yaml_alias_bomb_is_a_diagnostic(tmp_path, start_client):
    workspace(tmp_path, alias_bomb())
    client = await start_client(tmp_path)
    baseline = psutil.Process(server_pid(client)).memory_info().rss
    template = tmp_path / "template.yaml"
    uri = open_document(client, template)
    found = await wait_for(lambda: client.diagnostics.get(uri), timeout=30)
    assert any("aliases expand to more than" in d.message for d in found), found
    app = tmp_path / "src" / "app.py"
    open_document(client, app)
    await lenses(client, app)  # still answering
    peak = psutil.Process(server_pid(client)).memory_info().rss
    print(f"alias bomb: server RSS {baseline >> 20} MB -> {peak >> 20} MB")
    assert peak - baseline < 200 * 1024 * 1024


def big_python(handlers_at: int) -> str:
    """About 1.5 MB (under lsp.maxFileSize) of helpers, with `handler` after `handlers_at` of
    them; its line is then 2 * handlers_at."""
    helpers = [f"def helper_{i}(a, b):\n    return a + b + {i}\n" for i in range(36_000)]
    return "".join(helpers[:handlers_at]) + HANDLER + "".join(helpers[handlers_at:])


async def test_lenses_on_a_big_python_file_stay_within_20x_its_size(tmp_path, start_client):
    workspace(tmp_path, TEMPLATE)
    big = tmp_path / "src" / "big.py"
    big.write_text(big_python(30_000))
    client = await start_client(tmp_path)
    small = tmp_path / "src" / "app.py"
    open_document(client, small)
    await lenses(client, small)  # the project has loaded
    server = psutil.Process(server_pid(client))
    idle = peak = server.memory_info().rss
    open_document(client, big)
    answer = asyncio.ensure_future(lenses(client, big))
    while not answer.done():
        peak = max(peak, server.memory_info().rss)
        await asyncio.sleep(0.005)
    found = answer.result()
    assert {lens.range.start.line for lens in found} == {60_000}
    growth = peak - idle
    print(f"{big.stat().st_size >> 10} KB file: server RSS +{growth >> 20} MB")
    assert growth <= 20 * big.stat().st_size


async def test_lenses_of_a_superseded_version_are_never_sent(tmp_path, start_client):
    workspace(tmp_path, TEMPLATE)
    big = tmp_path / "src" / "big.py"
    big.write_text(big_python(30_000))
    client = await start_client(tmp_path)
    uri = open_document(client, big)
    first = asyncio.ensure_future(lenses(client, big))
    await asyncio.sleep(0)  # the request is on its way before the change
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(big_python(100))],
        )
    )
    try:
        lines = {lens.range.start.line for lens in await first}
        assert lines == {200}, "answered with the lenses of the text before the change"
    except JsonRpcException as e:
        assert e.code == types.LSPErrorCodes.ContentModified
    assert {lens.range.start.line for lens in await lenses(client, big)} == {200}
