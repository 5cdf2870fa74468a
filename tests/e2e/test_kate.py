"""Kate (Debian 12: Kate 22.12, with its LSP Client plugin) under Xvfb, driven with xdotool as a
person would: docs/editors/kate/settings.json starts `lamina lsp` (through tests/e2e/lsp_tap.py,
which writes the protocol traffic down), Code Action (Alt+Return) on a handler's def line lists
Lamina's actions and runs the one picked, and Quick Fix (Ctrl+.) on a diagnostic offers the fix
alone, which changes the file and runs nothing. Screenshots of each step go to build/e2e-kate."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "lsp"))
from lsp_harness import write_echo_project  # noqa: E402

SHOTS = ROOT / "build" / "e2e-kate"
BROKEN = '\n\ndef broken(event):\n    return {"broken": event}\n'
BROKEN_FUNCTION = """\
  BrokenFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.broken
      Runtime: python3.12
"""
Message = dict[str, Any]


class Traffic:
    """The messages lsp_tap.py wrote, read again on each look."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def messages(self, side: str | None = None) -> list[Message]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        entries = [json.loads(line) for line in lines if line.strip()]
        return [e["message"] for e in entries if side is None or e["from"] == side]

    def requests(self, method: str) -> list[Message]:
        return [m for m in self.messages("client") if m.get("method") == method]

    def answer_to(self, request: Message) -> Message | None:
        for message in self.messages("server"):
            if message.get("id") == request["id"] and "method" not in message:
                return message
        return None

    def notifications(self, method: str) -> list[Message]:
        return [m for m in self.messages("server") if m.get("method") == method]


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"Kate: no {what} within {timeout:.0f} s")


class Desktop:
    """An Xvfb display with Kate on it, typed at through xdotool."""

    def __init__(self, tmp_path: Path) -> None:
        read_end, write_end = os.pipe()
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            pass_fds=(write_end,),
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(write_end)
        with os.fdopen(read_end) as displayfd:
            self.display = ":" + displayfd.readline().strip()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env |= {
            "DISPLAY": self.display,
            "HOME": str(tmp_path / "home"),
            "XDG_CONFIG_HOME": str(tmp_path / "home" / ".config"),
            "XDG_RUNTIME_DIR": str(tmp_path / "run"),
            # Kate's settings are the test's own; Lamina's runtime packages are installed once
            # per user, as for any other test, not again under the test's HOME.
            "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache"),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        (tmp_path / "run").mkdir(mode=0o700)
        self.kate: subprocess.Popen[bytes] | None = None
        self.shot = 0

    def start_kate(self, *args: str, cwd: Path, log: Path) -> None:
        with log.open("wb") as out:
            self.kate = subprocess.Popen(
                ["kate", "-n", *args], cwd=cwd, env=self.env, stdout=out, stderr=out
            )
        window = wait_for(
            "window", lambda: self.xdotool("search", "--onlyvisible", "--class", "kate")
        )
        self.xdotool("windowsize", window.split()[-1], "1280", "800")
        self.xdotool("windowactivate", "--sync", window.split()[-1])

    def xdotool(self, *args: str) -> str:
        out = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True)
        return out.stdout.strip()

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.xdotool("key", "--clearmodifiers", key)
            time.sleep(0.15)

    def screenshot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.shot += 1
        target = SHOTS / f"{self.shot:02d}-{name}.png"
        subprocess.run(["import", "-window", "root", str(target)], env=self.env, check=False)

    def close(self) -> None:
        for process in (self.kate, self.xvfb):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[Desktop]:
    missing = [tool for tool in ("kate", "Xvfb", "xdotool", "import") if not shutil.which(tool)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed (make e2e installs kate xvfb xdotool)")
    screen = Desktop(tmp_path)
    try:
        yield screen
    finally:
        screen.close()


def configure_kate(config_home: Path, traffic: Path) -> None:
    """docs/editors/kate/settings.json as Kate's user server settings, with `lamina lsp` started
    through the tap, and that command line allowed (as answering Kate's first-start question
    "Do you want the LSP server to be started?" with Yes does)."""
    settings = json.loads((ROOT / "docs" / "editors" / "kate" / "settings.json").read_text())
    command = [sys.executable, str(HERE / "lsp_tap.py"), str(traffic), "--"]
    command += [sys.executable, "-m", "lamina", "lsp"]
    for server in settings["servers"].values():
        assert server["command"] == ["lamina", "lsp"]
        server["command"] = command
    (config_home / "kate" / "lspclient").mkdir(parents=True)
    (config_home / "kate" / "lspclient" / "settings.json").write_text(json.dumps(settings))
    (config_home / "katerc").write_text(
        "[lspclient]\nAllowedServerCommandLines=" + " ".join(command) + "\n"
    )


def titles(answer: Message | None) -> list[str]:
    return [action["title"] for action in (answer or {}).get("result") or []]


def test_kate_code_actions_run_and_a_quick_fix_runs_nothing(
    desktop: Desktop, tmp_path: Path
) -> None:
    root = write_echo_project(tmp_path / "echo")
    (root / ".git").mkdir()
    (root / "template.yaml").write_text((root / "template.yaml").read_text() + BROKEN_FUNCTION)
    handler = root / "src" / "app.py"
    handler.write_text(handler.read_text() + BROKEN)
    traffic = Traffic(tmp_path / "traffic.jsonl")
    configure_kate(Path(desktop.env["XDG_CONFIG_HOME"]), traffic.path)

    desktop.start_kate("--line", "7", str(handler), cwd=root, log=tmp_path / "kate.log")
    wait_for("initialize", lambda: traffic.requests("initialize"))
    diagnostics = wait_for(
        "handler-signature diagnostic",
        lambda: [
            d
            for n in traffic.notifications("textDocument/publishDiagnostics")
            for d in n["params"]["diagnostics"]
            if d.get("code") == "handler-signature"
        ],
    )
    broken_line = diagnostics[-1]["range"]["start"]["line"]
    assert handler.read_text().splitlines()[broken_line].startswith("def broken(event)")
    desktop.screenshot("diagnostic")

    # Code Action on `def handler(event, context):` (Kate's cursor is on line 7).
    before = len(traffic.requests("textDocument/codeAction"))
    desktop.keys("alt+Return")
    request = wait_for(
        "code action request",
        lambda: traffic.requests("textDocument/codeAction")[before:],
    )[-1]
    assert request["params"]["range"]["start"]["line"] == 6
    answer = wait_for("code action answer", lambda: traffic.answer_to(request))
    offered = titles(answer)
    assert offered[:6] == [
        "Lamina: Run EchoFunction (event hello)",
        "Lamina: Debug EchoFunction (event hello)",
        "Lamina: Sync EchoFunction",
        "Lamina: Run EchoFunction with hello",
        "Lamina: Run EchoFunction with other",
        "Lamina: Next event for EchoFunction",
    ]
    assert {a["kind"] for a in answer["result"]} == {"source.lamina"}
    time.sleep(1)
    desktop.screenshot("code-actions")
    # The menu lists the actions in order: step down to "Run EchoFunction with other".
    desktop.keys(*["Down"] * (offered.index("Lamina: Run EchoFunction with other") + 1))
    desktop.screenshot("run-with-other-picked")
    desktop.keys("Return")
    command = wait_for("lamina.run", lambda: traffic.requests("workspace/executeCommand"))[-1]
    assert command["params"]["command"] == "lamina.run"
    assert command["params"]["arguments"][0]["event"] == "other"
    result = wait_for(
        "invocation result", lambda: traffic.notifications("lamina/invocationResult"), timeout=180
    )
    assert result[-1]["params"]["ok"] is True
    assert result[-1]["params"]["payload"]["event"] == {"name": "other"}
    time.sleep(1)
    desktop.screenshot("ran")

    # Quick Fix on `def broken(event):`: Kate sends the diagnostic and no kind; the answer is
    # the fix alone, and applying it changes the signature and runs nothing.
    last_line = len(handler.read_text().split("\n")) - 1
    desktop.keys("ctrl+End", *["Up"] * (last_line - broken_line), "Home")
    runs_before = len(traffic.requests("workspace/executeCommand"))
    before = len(traffic.requests("textDocument/codeAction"))
    desktop.keys("ctrl+period")
    request = wait_for(
        "quick fix request",
        lambda: traffic.requests("textDocument/codeAction")[before:],
    )[-1]
    asked = request["params"]["range"]
    assert asked["start"]["line"] <= broken_line <= asked["end"]["line"]
    sent = request["params"]["context"]
    assert [d.get("code") for d in sent["diagnostics"]] == ["handler-signature"]
    answer = wait_for("quick fix answer", lambda: traffic.answer_to(request))
    fixes = titles(answer)
    assert fixes and not any(title.startswith("Lamina:") for title in fixes), fixes
    # Kate applies a lone fix at once (a menu shows only for several).
    time.sleep(1)
    desktop.screenshot("quick-fixed")
    desktop.keys("ctrl+s")
    wait_for("the save", lambda: traffic.requests("textDocument/didSave"), timeout=30)
    lines = handler.read_text().splitlines()
    assert lines[broken_line:] == ["def broken(event, context):", '    return {"broken": event}']
    assert len(traffic.requests("workspace/executeCommand")) == runs_before
