"""`lamina lsp` driven over raw stdio frames, for the heavy hostile-workspace checks: every
message the server sends is kept in order, and the server's peak RSS is sampled while a test
waits (no client library in between, whose own costs would blur the figures)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
from lsp_tap import read_message

Message = dict[str, Any]


def template_text(name: str, count: int = 10_000) -> str:
    return "Resources:\n" + "".join(
        f"  {name}{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.12\n"
        for i in range(count)
    )


def answer_to(msg_id: int) -> Callable[[Message], bool]:
    return lambda m: m.get("id") == msg_id and "method" not in m


def lens_functions(answer: Message) -> set[str]:
    return {lens["command"]["arguments"][0]["function"] for lens in answer["result"]}


class RawLsp:
    """`python -m lamina lsp` in `root`, without the developer's AWS settings."""

    def __init__(self, root: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lamina", "lsp"], cwd=root, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.events: list[Message] = []  # every message from the server, in order
        self.peak = 0
        self._arrived = threading.Condition()
        self._ps = psutil.Process(self.process.pid)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while (body := read_message(self.process.stdout)) is not None:
            with self._arrived:
                self.events.append(json.loads(body))
                self._arrived.notify_all()

    def send(self, message: Message) -> None:
        assert self.process.stdin is not None
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def position(self, test: Callable[[Message], bool], seconds: float = 300) -> int:
        """The index in `events` of the first message that passes `test`, once it came."""
        deadline = time.monotonic() + seconds
        with self._arrived:
            while True:
                for index, message in enumerate(self.events):
                    if test(message):
                        return index
                assert time.monotonic() < deadline, f"not come: {self.events[-3:]}"
                self.peak = max(self.peak, self._ps.memory_info().rss)
                self._arrived.wait(0.01)

    def answer(self, msg_id: int, seconds: float = 300) -> Message:
        return self.events[self.position(answer_to(msg_id), seconds)]

    def came(self, test: Callable[[Message], bool]) -> bool:
        with self._arrived:
            return any(test(message) for message in self.events)

    def logs(self) -> list[str]:
        with self._arrived:
            return [
                m["params"]["message"]
                for m in self.events
                if m.get("method") == "window/logMessage"
            ]

    def log_count(self, text: str) -> int:
        """How many of the server's log lines so far contain `text`."""
        return sum(text in line for line in self.logs())

    def wait_log(self, text: str, count: int, seconds: float = 300) -> None:
        """Until `count` of the server's log lines contain `text`."""
        deadline = time.monotonic() + seconds
        with self._arrived:
            while self.log_count(text) < count:
                assert time.monotonic() < deadline, f"not logged {count} times: {text!r}"
                self._arrived.wait(0.01)

    def rss(self) -> int:
        return int(self._ps.memory_info().rss)

    def initialize(self, root: Path, capabilities: Message | None = None) -> None:
        params = {"processId": None, "rootUri": root.as_uri(), "capabilities": capabilities or {}}
        self.send({"id": 1, "method": "initialize", "params": params})
        self.answer(1)
        self.send({"method": "initialized", "params": {}})

    def open(self, path: Path, language: str) -> None:
        item = {"uri": path.as_uri(), "languageId": language, "version": 1}
        item["text"] = path.read_text()
        self.send({"method": "textDocument/didOpen", "params": {"textDocument": item}})

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
