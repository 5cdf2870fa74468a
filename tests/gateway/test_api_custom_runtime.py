"""A `provided.al2023` function whose `bootstrap` executable is the runtime (a custom runtime on
the Runtime API), under `lamina api` (a whole answer through an HTTP API route, a streamed one
through its RESPONSE_STREAM Function URL) and `lamina invoke` (what can't run here: a missing
bootstrap, or one compiled for another architecture, is Lambda's Runtime.InvalidEntrypoint)."""

from __future__ import annotations

import json
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gateway.harness import APPS, ApiProcess


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("custom_runtime", tmp_path_factory.mktemp("custom"))
    yield api
    api.stop()


def test_the_bootstrap_answers_an_http_api_route(custom: ApiProcess) -> None:
    response = requests.get(custom.url + "/hello", timeout=30)
    assert response.status_code == 200
    assert response.json() == {
        "handler": "greeting.hello",
        "task_root": str((custom.root / "src").resolve()),
        "execution_env": None,  # Lambda sets none for OS-only runtimes
        "path": "/hello",
    }


def test_the_bootstrap_streams_through_the_function_url(custom: ApiProcess, tmp_path: Path) -> None:
    line = next(line for line in custom.banner if "Function URL" in line)
    found = re.search(r"(http://\S+/lambda-url/[a-z0-9]{32}/)", line)
    assert found is not None, line
    release = tmp_path / "release"
    with requests.get(
        found.group(1), params={"release": str(release)}, stream=True, timeout=30
    ) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/plain"
        pieces = response.iter_content(chunk_size=None)
        received = b""
        while b"one " not in received:
            received += next(pieces)
        release.touch()  # only now: "released" proves "one " came before the end
        received += b"".join(pieces)
    assert received == b"one released two"


def invoke(root: Path, event: str = "{}", sandbox: str = "0") -> dict[str, object]:
    (root / "event.json").write_text(event)
    done = subprocess.run(
        [sys.executable, "-m", "lamina", "invoke", "Custom", "-e", "event.json"],
        cwd=root,
        capture_output=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "LAMINA_SANDBOX": sandbox},
    )
    answer: dict[str, object] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return answer


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = tmp_path / "custom_runtime"
    shutil.copytree(APPS / "custom_runtime", root)
    return root


def test_no_bootstrap_is_an_invalid_entrypoint(app: Path) -> None:
    (app / "src" / "bootstrap").unlink()
    assert invoke(app) == {
        "errorType": "Runtime.InvalidEntrypoint",
        "errorMessage": "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
    }


def test_a_binary_for_another_architecture_says_it_cant_run_here(app: Path) -> None:
    here = platform.machine().lower()
    other, machine = (
        (b"\xb7\x00", "arm64") if here in ("x86_64", "amd64") else (b"\x3e\x00", "x86_64")
    )
    bootstrap = app / "src" / "bootstrap"
    bootstrap.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"\x02\x00" + other + b"\0" * 40)
    answer = invoke(app)
    assert answer["errorType"] == "Runtime.InvalidEntrypoint"
    assert f"exec format error (built for {machine}" in str(answer["errorMessage"])


def test_a_bootstrap_that_is_not_executable(app: Path) -> None:
    (app / "src" / "bootstrap").chmod(0o644)
    answer = invoke(app)
    assert answer["errorType"] == "Runtime.InvalidEntrypoint"
    assert "permission denied" in str(answer["errorMessage"])


def test_the_bootstrap_runs_in_the_sandbox_at_var_task(app: Path) -> None:
    from lamina.runtime import sandbox

    if not sandbox.enabled():
        pytest.skip("no user and mount namespaces here")
    answer = invoke(app, '{"rawPath": "/direct"}', sandbox="1")
    assert answer == {
        "handler": "greeting.hello",
        "task_root": "/var/task",
        "execution_env": None,
        "path": "/direct",
    }


@pytest.mark.parametrize(
    "command",
    [["api", "--port", "0", "--debug", "Custom"], ["invoke", "Custom", "--debug"]],
    ids=["api", "invoke"],
)
def test_debug_on_a_custom_runtime_says_why_not(app: Path, command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lamina", *command],
        cwd=app,
        capture_output=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "LAMINA_SANDBOX": "0"},
    )
    assert done.returncode == 2
    errors = done.stderr.decode().strip().splitlines()
    assert errors == [
        "error: --debug: Custom runs on provided.al2023: its bootstrap is its own runtime, and "
        "debugpy can hold only Lamina's Python runtime client, so nothing would wait for a "
        "debugger. Start the bootstrap's own debugger from it instead (see "
        "docs/custom-runtimes.md)"
    ]
    assert done.stdout == b""
