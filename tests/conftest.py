"""Shared test helpers: handlers written into temp dirs, and a real moto server standing in for AWS."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ports import free_port
from processes import kill_all, live_launchers, wait_gone
from sample_cli import SAMPLES

from lamina.runtime.config import FunctionConfig


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `slow` run in `make e2e` (LAMINA_E2E=1) beside the editor suites: `make test`
    leaves them out, to stay near its 15 minutes."""
    if os.environ.get("LAMINA_E2E") == "1":
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


@pytest.fixture(autouse=True)
def no_debug_environment_outlives_its_test() -> Iterator[None]:
    """A debug environment waits for an editor forever unless Lamina ends it: one left behind by a
    test (or by a killed Lamina) would linger for as long as the machine runs."""
    before = set(live_launchers())
    yield
    left = wait_gone(set(live_launchers()) - before)
    kill_all(left)
    assert not left, f"debug environments outlived the test: {sorted(left)}"


@pytest.fixture
def write_function(tmp_path: Path):  # type: ignore[no-untyped-def]
    """write_function(source, handler="app.handler", files=None, **config) -> FunctionConfig"""

    def write(
        source: str,
        handler: str = "app.handler",
        files: dict[str, str] | None = None,
        **config: object,
    ) -> FunctionConfig:
        code = tmp_path / "code"
        code.mkdir(exist_ok=True)
        (code / "app.py").write_text(textwrap.dedent(source))
        for name, text in (files or {}).items():
            path = code / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        options: dict[str, object] = {"function_name": "fn", "handler": handler, "code_dir": code}
        options.update(config)
        return FunctionConfig(**options)  # type: ignore[arg-type]

    return write


SECRET = "base-secret-do-not-leak"


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"moto server exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Dummy base credentials; the developer's real AWS files and settings are never read."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name == "BOTO_CONFIG":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


@pytest.fixture
def sts_env(aws_env: Path, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_endpoint)
    return moto_endpoint


@pytest.fixture
def sample(tmp_path: Path) -> Callable[[str], Path]:
    """sample(name) -> a fresh copy of samples/<name> in tmp_path."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        ignore = shutil.ignore_patterns(".lamina", "__pycache__", ".pytest_cache")
        shutil.copytree(SAMPLES / name, target, ignore=ignore)
        return target

    return copy
