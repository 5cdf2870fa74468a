"""The heavy hostile-workspace checks (make e2e): a 10,000-function template gets its 40,000
lenses from a live `lamina lsp` within its memory bound (<= 300 MB in all), and a save in the
middle of its load stops that load; times and memory are printed, not asserted."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from raw_lsp import RawLsp, answer_to, lens_functions, template_text

LOADING = "loading the project ("  # the server's line as a load starts
HANDLER = "def handler(event, context):\n    return 1\n"


def workspace(root: Path, handler: str = HANDLER, more_template: str = "") -> Path:
    """src/app.py and a template of 10,000 functions that use it; the template's path."""
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(handler)
    template = root / "template.yaml"
    template.write_text(template_text("Function") + more_template)
    return template


@pytest.fixture
def start_server() -> Iterator[Any]:
    servers: list[RawLsp] = []

    def start(root: Path) -> RawLsp:
        servers.append(RawLsp(root))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_lenses_on_a_10000_function_template(tmp_path: Path, start_server: Any) -> None:
    template = workspace(tmp_path)
    server = start_server(tmp_path)
    server.initialize(tmp_path)
    server.open(template, "yaml")
    lens = {"textDocument": {"uri": template.as_uri()}}
    timings = []
    for msg_id in (2, 3):
        started = time.perf_counter()
        server.send({"id": msg_id, "method": "textDocument/codeLens", "params": lens})
        found = server.answer(msg_id)["result"]
        timings.append(time.perf_counter() - started)
        assert len(found) == 40_000
    print(f"10,000 functions: lenses in {timings[0]:.2f} s (with the project load), "
          f"then {timings[1]:.2f} s; peak RSS {server.peak >> 20} MB")  # fmt: skip
    assert server.peak <= 300 * 1024 * 1024


def test_a_save_in_the_middle_of_a_huge_load_stops_it(tmp_path: Path, start_server: Any) -> None:
    """The template is saved with its functions renamed, then renamed again while the reload
    runs: that reload stops at its next safe point (the server says so), the lens request made
    against the middle version gets ContentModified, and the lenses that come are the newest."""
    template = workspace(tmp_path)
    server = start_server(tmp_path)
    uri = template.as_uri()
    lens = {"textDocument": {"uri": uri}}

    def save(version: int, name: str) -> None:
        text = template_text(name)
        # Whole at once (as editors that save atomically write): the server's file watcher
        # must not load a half-written template and call that the load under way.
        staged = template.with_suffix(".tmp")
        staged.write_text(text)
        os.replace(staged, template)
        change = {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": text}],
        }
        server.send({"method": "textDocument/didChange", "params": change})
        server.send({"method": "textDocument/didSave", "params": {"textDocument": {"uri": uri}}})

    server.initialize(tmp_path)
    server.open(template, "yaml")
    server.send({"id": 2, "method": "textDocument/codeLens", "params": lens})
    assert lens_functions(server.answer(2)) == {f"Function{i}" for i in range(10_000)}
    loads = server.log_count(LOADING)
    save(2, "Renamed")
    server.send({"id": 3, "method": "textDocument/codeLens", "params": lens})
    # The server says when the reload is under way; from then on a change stops it at its next
    # safe point (the reload of 10,000 functions takes seconds of CPU: it is still running).
    server.wait_log(LOADING, loads + 1)
    save(3, "Again")
    server.send({"id": 4, "method": "textDocument/codeLens", "params": lens})
    stale, fresh = server.answer(3), server.answer(4)
    assert stale.get("error", {}).get("code") == -32801, stale  # ContentModified
    assert len(fresh["result"]) == 40_000
    assert lens_functions(fresh) == {f"Again{i}" for i in range(10_000)}
    logs = server.logs()
    assert any("stopped loading the project" in line for line in logs), logs
    time.sleep(1)
    print(f"a save mid-load: peak RSS {server.peak >> 20} MB, "
          f"{server.rss() >> 20} MB a second after the lenses")  # fmt: skip


def test_first_lenses_come_before_the_load_ends_then_a_refresh(
    tmp_path: Path, start_server: Any
) -> None:
    """A client that takes `workspace/codeLens/refresh` gets the template's first lenses (Run,
    Debug and Sync over each function, read from its lines) before the project has loaded: their
    answer comes before the server's refresh, which it sends once the load ends; asked again,
    the lenses are the complete ones (with each function's Event lens). A lens run before the
    load ends waits for it, and runs the function it names. The handler file, asked meanwhile,
    gets no lenses until the model says which functions use it."""
    other = "  Other:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
    template = workspace(
        tmp_path,
        HANDLER + "\n\ndef other(event, context):\n    return 'other'\n",
        other + "      Handler: app.other\n",
    )
    server = start_server(tmp_path)
    events = server.events

    def is_refresh(message: dict[str, Any]) -> bool:
        return message.get("method") == "workspace/codeLens/refresh"

    lens = {"textDocument": {"uri": template.as_uri()}}
    server.initialize(tmp_path, {"workspace": {"codeLens": {"refreshSupport": True}}})
    server.open(template, "yaml")
    server.send({"id": 2, "method": "textDocument/codeLens", "params": lens})
    handler = tmp_path / "src" / "app.py"
    server.open(handler, "python")
    handler_lens = {"textDocument": {"uri": handler.as_uri()}}
    server.send({"id": 5, "method": "textDocument/codeLens", "params": handler_lens})
    first = server.position(answer_to(2))
    early = events[first]
    assert len(early["result"]) == 30_003, len(early["result"])
    run = {"command": "lamina.run", "arguments": [{"function": "Other"}]}
    server.send({"id": 4, "method": "workspace/executeCommand", "params": run})
    refresh = server.position(is_refresh)
    assert first < refresh, "the first lenses waited for the load"
    everything = {f"Function{i}" for i in range(10_000)} | {"Other"}
    assert lens_functions(early) == everything
    titles = {lens["command"]["title"] for lens in early["result"]}
    assert titles == {"▶ Run", "⚙ Debug", "⇪ Sync"}, titles
    assert early["result"][0]["range"]["start"]["line"] == 1  # `  Function0:`
    assert server.answer(5)["result"] == []
    assert server.position(answer_to(5)) < refresh
    server.send({"id": events[refresh]["id"], "result": None})  # the client takes the refresh
    server.send({"id": 6, "method": "textDocument/codeLens", "params": handler_lens})
    assert "Other" in lens_functions(server.answer(6))
    server.send({"id": 3, "method": "textDocument/codeLens", "params": lens})
    complete = server.answer(3)
    assert len(complete["result"]) == 40_004
    assert lens_functions(complete) == everything
    ran = server.position(answer_to(4))
    assert events[ran]["result"]["payload"] == "other", events[ran]
    assert ran > refresh, "the run did not wait for the load"
    assert sum(1 for m in events if is_refresh(m)) == 1
    print(f"first lenses then a refresh: peak RSS {server.peak >> 20} MB")
    assert server.peak <= 300 * 1024 * 1024
