"""`lamina serve --api`: a save reaches the emulator's copy of a function, not only the API's.

CallerFunction (on GET /greet) invokes GreeterFunction through boto3 with the
AWS_ENDPOINT_URL_LAMBDA serve --api gives it, so what the caller answers is what the emulator's
copy of the greeter runs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from ports import free_port

from gateway.harness import APPS

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "lamina-test", "AWS_SECRET_ACCESS_KEY": "lamina-test"}
WAIT_S = 60.0


@dataclass
class Served:
    root: Path
    proc: subprocess.Popen[bytes]
    log: Path
    api: str
    lam: Any  # boto3's Lambda client on the emulator

    def output(self) -> str:
        return self.log.read_text()

    def greet(self) -> dict[str, Any]:
        answer = requests.get(f"{self.api}/greet", timeout=30)
        assert answer.status_code == 200, (answer.text, self.output())
        body: dict[str, Any] = answer.json()
        return body

    def until(self, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The caller's answers until one is `done` (the save reaches the emulator)."""
        deadline = time.monotonic() + WAIT_S
        while True:
            body = self.greet()
            if done(body):
                return body
            assert self.proc.poll() is None, self.output()
            assert time.monotonic() < deadline, (body, self.output())
            time.sleep(0.02)

    def revision(self) -> tuple[str, str]:
        config = self.lam.get_function(FunctionName="CallsGreeter")["Configuration"]
        return config["CodeSha256"], config["RevisionId"]

    def greeter_deploys(self) -> int:
        return self.output().count("emulator: CallsGreeter updated,")

    def mark(self, line: str = "emulator: CallerFunction updated,") -> None:
        """An edit to the caller, once the emulator has dealt with it (`line`): the watcher has
        handled what came before (a second's room first, for a wrong deploy to start)."""
        time.sleep(1.0)
        marks = self.output().count(line)
        caller = self.root / "caller" / "app.py"
        save(caller, caller.read_text() + f"\n# mark {marks}\n")
        deadline = time.monotonic() + WAIT_S
        while self.output().count(line) == marks:
            assert self.proc.poll() is None, self.output()
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.02)


def save(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    yield from serve(tmp_path / "calls", tmp_path / "data")


def serve(root: Path, data: Path, log_name: str = "") -> Iterator[Served]:
    """`lamina serve --api` on a copy of the calls app at `root`, its emulator state in `data`,
    its output in `root/log_name` when given."""
    shutil.copytree(APPS / "calls", root)
    emulator_port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    log = root / log_name if log_name else root.parent / f"{root.name}.log"
    out = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamina", "serve", "--port", str(emulator_port),
         "--data-dir", str(data), "--api", "--api-port", str(api_port)],
        cwd=root, stdout=out, stderr=subprocess.STDOUT,
        env={**env, **CREDENTIALS, "LAMINA_SANDBOX": "0"},
    )  # fmt: skip
    lam = boto3.client(
        "lambda",
        endpoint_url=f"http://127.0.0.1:{emulator_port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}),
    )
    served = Served(root, proc, log, f"http://127.0.0.1:{api_port}", lam)
    try:
        # The banner comes once the API listens and the code folders are watched.
        deadline = time.monotonic() + WAIT_S
        while "lamina api: serving" not in served.output():
            assert proc.poll() is None, served.output()
            assert time.monotonic() < deadline, served.output()
            time.sleep(0.05)
        yield served
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        out.close()


def test_an_edit_reaches_the_emulators_copy(served: Served) -> None:
    assert served.greet() == {"error": None, "payload": "v1"}
    # A setting changed through the emulator's API stays: a save changes the code only.
    served.lam.update_function_configuration(FunctionName="CallsGreeter", Timeout=7)
    before = served.revision()
    greeter = served.root / "greeter" / "app.py"
    save(greeter, "def handler(event, context):\n    return 'v2'\n")
    assert served.until(lambda body: body["payload"] != "v1") == {"error": None, "payload": "v2"}
    assert served.revision() != before
    assert served.lam.get_function_configuration(FunctionName="CallsGreeter")["Timeout"] == 7
    assert served.greeter_deploys() == 1, served.output()
    # A burst of saves (an editor's save-all) deploys less often than it saves; the last wins.
    for number in range(3, 8):
        save(greeter, f"def handler(event, context):\n    return 'v{number}'\n")
    assert served.until(lambda body: body["payload"] == "v7")["error"] is None
    served.mark()
    assert 2 <= served.greeter_deploys() < 1 + 5, served.output()


def test_files_no_package_holds_deploy_nothing(served: Served) -> None:
    """The code dir's events/ (sample events), .lamina/ and __pycache__/, and the project's
    events/, are not the greeter's code: its CodeSha256 and RevisionId stay."""
    assert served.greet()["payload"] == "v1"
    before = served.revision()
    save(served.root / "greeter" / "events" / "event.json", '{"a": 1}')
    save(served.root / "greeter" / ".lamina" / "state.json", "{}")
    save(served.root / "greeter" / "__pycache__" / "app.cpython-311.pyc", "x")
    save(served.root / "events" / "event.json", '{"b": 2}')
    served.mark()
    assert served.revision() == before
    assert served.greeter_deploys() == 0, served.output()
    assert served.greet() == {"error": None, "payload": "v1"}


def test_a_syntax_error_is_the_invokes_error_and_the_server_lives(served: Served) -> None:
    assert served.greet()["payload"] == "v1"
    greeter = served.root / "greeter" / "app.py"
    save(greeter, "def handler(event, context:\n    return 'v2'\n")
    broken = served.until(lambda body: body["error"] is not None)
    assert broken["error"] == "Unhandled", broken
    assert broken["payload"]["errorType"] == "Runtime.UserCodeSyntaxError", broken
    # The same broken file saved again is the same package: nothing is deployed.
    deploys, revision = served.greeter_deploys(), served.revision()
    save(greeter, greeter.read_text())
    served.mark()
    assert (served.greeter_deploys(), served.revision()) == (deploys, revision), served.output()
    save(greeter, "def handler(event, context):\n    return 'v3'\n")
    fixed = served.until(lambda body: body["error"] is None)
    assert fixed == {"error": None, "payload": "v3"}
    assert served.greeter_deploys() == deploys + 1, served.output()
    assert served.proc.poll() is None
    assert json.loads(served.lam.invoke(FunctionName="CallsGreeter")["Payload"].read()) == "v3"


def test_another_projects_function_is_never_overwritten(tmp_path: Path) -> None:
    """Two projects on one emulator state, both with a function named CallsGreeter: the second
    `lamina serve --api` neither deploys over the first's at start nor on a save."""
    data = tmp_path / "data"
    first = serve(tmp_path / "first", data)
    owner = next(first)
    save(owner.root / "greeter" / "app.py", "def handler(event, context):\n    return 'first'\n")
    owner.until(lambda body: body["payload"] == "first")
    first.close()  # stops it
    second = serve(tmp_path / "second", data)
    try:
        other = next(second)
        assert other.greet() == {"error": None, "payload": "first"}
        save(other.root / "greeter" / "app.py", "def handler(event, context):\n    return 'no'\n")
        other.mark("warning: CallerFunction: the emulator keeps its copy")
        assert other.greet() == {"error": None, "payload": "first"}
        output = other.output()
        assert (
            "warning: GreeterFunction: the "
            f"emulator's function 'CallsGreeter' belongs to another project ({owner.root})"
            in output
        ), output
        assert (
            "warning: GreeterFunction: the emulator keeps its copy: GreeterFunction: the "
            f"emulator's function 'CallsGreeter' belongs to another project ({owner.root})"
            in output
        ), output
        assert other.greeter_deploys() == 0, output
    finally:
        second.close()


def test_its_own_log_in_a_code_dir_does_not_deploy_itself(tmp_path: Path) -> None:
    """`lamina serve --api > greeter/serve.log`: each deploy prints a line into a file the
    greeter's package holds; that must not deploy it again (and again)."""
    runs = serve(tmp_path / "calls", tmp_path / "data", "greeter/serve.log")
    served = next(runs)
    try:
        save(served.root / "greeter" / "app.py", "def handler(event, context):\n    return 'v2'\n")
        served.until(lambda body: body["payload"] == "v2")
        served.mark()
        assert served.greeter_deploys() == 1, served.output()
    finally:
        runs.close()
