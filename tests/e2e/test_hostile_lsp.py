"""The heavy hostile-workspace checks (make e2e): a 10,000-function template gets its 40,000
lenses from a live `lamina lsp` within its memory bound (<= 300 MB in all), and a save in the
middle of its load stops that load; times and memory are printed, not asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_answers(
    stdout: Any, answers: dict[int, Any], arrived: threading.Event, logs: list[str] | None = None
) -> None:
    while True:
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            byte = stdout.read(1)
            if not byte:
                return
            header += byte
        length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        message = json.loads(stdout.read(length))
        if "id" in message and "method" not in message:
            answers[message["id"]] = message
            arrived.set()
        elif message.get("method") == "window/logMessage" and logs is not None:
            logs.append(message["params"]["message"])


def template_text(name: str, count: int = 10_000) -> str:
    return "Resources:\n" + "".join(
        f"  {name}{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.12\n"
        for i in range(count)
    )


def test_lenses_on_a_10000_function_template(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    template = tmp_path / "template.yaml"
    template.write_text(template_text("Function"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "lamina", "lsp"], cwd=tmp_path, env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert server.stdin is not None
    answers: dict[int, Any] = {}
    arrived = threading.Event()
    threading.Thread(
        target=read_answers, args=(server.stdout, answers, arrived), daemon=True
    ).start()
    process = psutil.Process(server.pid)
    peak = 0

    def wait(msg_id: int, seconds: float = 300) -> Any:
        nonlocal peak
        deadline = time.monotonic() + seconds
        while msg_id not in answers:
            assert time.monotonic() < deadline, f"no answer to {msg_id}"
            peak = max(peak, process.memory_info().rss)
            arrived.wait(0.01)
            arrived.clear()
        return answers.pop(msg_id)

    try:
        params = {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}
        server.stdin.write(
            frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params})
        )
        server.stdin.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        item = {
            "uri": template.as_uri(),
            "languageId": "yaml",
            "version": 1,
            "text": template.read_text(),
        }
        server.stdin.write(
            frame(
                {
                    "jsonrpc": "2.0",
                    "method": "textDocument/didOpen",
                    "params": {"textDocument": item},
                }
            )
        )
        server.stdin.flush()
        wait(1)
        lens = {"textDocument": {"uri": template.as_uri()}}
        timings = []
        for msg_id in (2, 3):
            started = time.perf_counter()
            server.stdin.write(
                frame(
                    {
                        "jsonrpc": "2.0",
                        "id": msg_id,
                        "method": "textDocument/codeLens",
                        "params": lens,
                    }
                )
            )
            server.stdin.flush()
            found = wait(msg_id)["result"]
            timings.append(time.perf_counter() - started)
            assert len(found) == 40_000
        print(f"10,000 functions: lenses in {timings[0]:.2f} s (with the project load), "
              f"then {timings[1]:.2f} s; peak RSS {peak >> 20} MB")  # fmt: skip
        assert peak <= 300 * 1024 * 1024
    finally:
        server.kill()
        server.wait()


def test_a_save_in_the_middle_of_a_huge_load_stops_it(tmp_path: Path) -> None:
    """The template is saved with its functions renamed, then renamed again while the reload
    runs: that reload stops at its next safe point (the server says so), the lens request made
    against the middle version gets ContentModified, and the lenses that come are the newest."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    template = tmp_path / "template.yaml"
    template.write_text(template_text("Function"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "lamina", "lsp"], cwd=tmp_path, env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert server.stdin is not None
    answers: dict[int, Any] = {}
    logs: list[str] = []
    arrived = threading.Event()
    threading.Thread(
        target=read_answers, args=(server.stdout, answers, arrived, logs), daemon=True
    ).start()
    process = psutil.Process(server.pid)
    peak = 0

    def send(message: dict[str, Any]) -> None:
        assert server.stdin is not None
        server.stdin.write(frame({"jsonrpc": "2.0", **message}))
        server.stdin.flush()

    def wait(msg_id: int, seconds: float = 300) -> Any:
        nonlocal peak
        deadline = time.monotonic() + seconds
        while msg_id not in answers:
            assert time.monotonic() < deadline, f"no answer to {msg_id}"
            peak = max(peak, process.memory_info().rss)
            arrived.wait(0.01)
            arrived.clear()
        return answers[msg_id]

    uri = template.as_uri()
    lens = {"textDocument": {"uri": uri}}

    def save(version: int, name: str) -> None:
        text = template_text(name)
        template.write_text(text)
        change = {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": text}],
        }
        send({"method": "textDocument/didChange", "params": change})
        send({"method": "textDocument/didSave", "params": {"textDocument": {"uri": uri}}})

    def names(answer: Any) -> set[str]:
        return {lens["command"]["arguments"][0]["function"] for lens in answer["result"]}

    try:
        params = {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}
        send({"id": 1, "method": "initialize", "params": params})
        wait(1)
        send({"method": "initialized", "params": {}})
        item = {"uri": uri, "languageId": "yaml", "version": 1, "text": template.read_text()}
        send({"method": "textDocument/didOpen", "params": {"textDocument": item}})
        send({"id": 2, "method": "textDocument/codeLens", "params": lens})
        assert names(wait(2)) == {f"Function{i}" for i in range(10_000)}
        cpu = sum(process.cpu_times()[:2])
        save(2, "Renamed")
        send({"id": 3, "method": "textDocument/codeLens", "params": lens})
        # The reload of 10,000 functions takes seconds of CPU: a few tenths in, it is mid-way.
        while sum(process.cpu_times()[:2]) - cpu < 0.3 and 3 not in answers:
            time.sleep(0.01)
        save(3, "Again")
        send({"id": 4, "method": "textDocument/codeLens", "params": lens})
        stale, fresh = wait(3), wait(4)
        assert stale.get("error", {}).get("code") == -32801, stale  # ContentModified
        assert len(fresh["result"]) == 40_000
        assert names(fresh) == {f"Again{i}" for i in range(10_000)}
        assert any("stopped loading the project" in line for line in logs), logs
        time.sleep(1)
        print(f"a save mid-load: peak RSS {peak >> 20} MB, "
              f"{process.memory_info().rss >> 20} MB a second after the lenses")  # fmt: skip
    finally:
        server.kill()
        server.wait()


def test_first_lenses_come_before_the_load_ends_then_a_refresh(tmp_path: Path) -> None:
    """A client that takes `workspace/codeLens/refresh` gets the template's first lenses (Run,
    Debug and Sync over each function, read from its lines) before the project has loaded: their
    answer comes before the server's refresh, which it sends once the load ends; asked again,
    the lenses are the complete ones (with each function's Event lens). A lens run before the
    load ends waits for it, and runs the function it names. The handler file, asked meanwhile,
    gets no lenses until the model says which functions use it."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "def handler(event, context):\n    return 1\n\n\n"
        "def other(event, context):\n    return 'other'\n"
    )
    template = tmp_path / "template.yaml"
    other = "  Other:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n"
    template.write_text(template_text("Function") + other + "      Handler: app.other\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "lamina", "lsp"], cwd=tmp_path, env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    events: list[dict[str, Any]] = []  # every message from the server, in order
    arrived = threading.Condition()

    def read() -> None:
        stdout = server.stdout
        assert stdout is not None
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = stdout.read(1)
                if not byte:
                    return
                header += byte
            length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            message = json.loads(stdout.read(length))
            with arrived:
                events.append(message)
                arrived.notify_all()

    threading.Thread(target=read, daemon=True).start()
    process = psutil.Process(server.pid)
    peak = 0

    def send(message: dict[str, Any]) -> None:
        assert server.stdin is not None
        server.stdin.write(frame({"jsonrpc": "2.0", **message}))
        server.stdin.flush()

    def position(test: Any, seconds: float = 300) -> int:
        """The index in `events` of the first message that passes `test`, once it came."""
        nonlocal peak
        deadline = time.monotonic() + seconds
        with arrived:
            while True:
                for index, message in enumerate(events):
                    if test(message):
                        return index
                assert time.monotonic() < deadline, f"not come: {events[-3:]}"
                peak = max(peak, process.memory_info().rss)
                arrived.wait(0.05)

    def answer_to(msg_id: int) -> Any:
        return lambda m: m.get("id") == msg_id and "method" not in m

    def names(answer: Any) -> set[str]:
        return {lens["command"]["arguments"][0]["function"] for lens in answer["result"]}

    def is_refresh(message: dict[str, Any]) -> bool:
        return message.get("method") == "workspace/codeLens/refresh"

    uri = template.as_uri()
    lens = {"textDocument": {"uri": uri}}
    try:
        capabilities = {"workspace": {"codeLens": {"refreshSupport": True}}}
        params = {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": capabilities}
        send({"id": 1, "method": "initialize", "params": params})
        position(answer_to(1))
        send({"method": "initialized", "params": {}})
        item = {"uri": uri, "languageId": "yaml", "version": 1, "text": template.read_text()}
        send({"method": "textDocument/didOpen", "params": {"textDocument": item}})
        send({"id": 2, "method": "textDocument/codeLens", "params": lens})
        handler = tmp_path / "src" / "app.py"
        code = {"uri": handler.as_uri(), "languageId": "python", "version": 1}
        code["text"] = handler.read_text()
        send({"method": "textDocument/didOpen", "params": {"textDocument": code}})
        handler_lens = {"textDocument": {"uri": handler.as_uri()}}
        send({"id": 5, "method": "textDocument/codeLens", "params": handler_lens})
        first = position(answer_to(2))
        early = events[first]
        assert len(early["result"]) == 30_003, len(early["result"])
        run = {"command": "lamina.run", "arguments": [{"function": "Other"}]}
        send({"id": 4, "method": "workspace/executeCommand", "params": run})
        refresh = position(is_refresh)
        assert first < refresh, "the first lenses waited for the load"
        everything = {f"Function{i}" for i in range(10_000)} | {"Other"}
        assert names(early) == everything
        titles = {lens["command"]["title"] for lens in early["result"]}
        assert titles == {"▶ Run", "⚙ Debug", "⇪ Sync"}, titles
        assert early["result"][0]["range"]["start"]["line"] == 1  # `  Function0:`
        assert events[position(answer_to(5))]["result"] == []
        assert position(answer_to(5)) < refresh
        send({"id": events[refresh]["id"], "result": None})  # the client takes the refresh
        send({"id": 6, "method": "textDocument/codeLens", "params": handler_lens})
        assert "Other" in names(events[position(answer_to(6))])
        send({"id": 3, "method": "textDocument/codeLens", "params": lens})
        complete = events[position(answer_to(3))]
        assert len(complete["result"]) == 40_004
        assert names(complete) == everything
        ran = position(answer_to(4))
        assert events[ran]["result"]["payload"] == "other", events[ran]
        assert ran > refresh, "the run did not wait for the load"
        assert sum(1 for m in events if is_refresh(m)) == 1
        print(f"first lenses then a refresh: peak RSS {peak >> 20} MB")
        assert peak <= 300 * 1024 * 1024
    finally:
        server.kill()
        server.wait()
