"""Fixtures for durable functions: handlers under functions/ packaged as users package them
(their requirements.txt, with the SDK from PyPI, installed by Lamina's package builder), and
`lamina serve --skip-time` as a real process."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from emulator.harness import ROLE, EmulatorProcess, make_client, start_emulator, unique
from lsp.lsp_harness import StartClient, client_starter

from lamina.deploy.bundle import DependencyPlatform, PackageBuilder
from lamina.project.spec import FunctionSpec

FUNCTIONS = Path(__file__).parent / "functions"
# The SDK and boto3 are installed once per machine, not per run: pip is the slow part.
DEPENDENCY_CACHE = Path(tempfile.gettempdir()) / "lamina-tests-durable-deps"


def durable_zip(name: str) -> bytes:
    """The deployment package of functions/<name> (its requirements.txt installed)."""
    spec = FunctionSpec("Fn", "app.handler", FUNCTIONS / name, runtime="python3.12")
    return PackageBuilder(DEPENDENCY_CACHE).build(spec, DependencyPlatform.LOCAL).data


@pytest.fixture(autouse=True)
def no_private_tmp(monkeypatch: pytest.MonkeyPatch) -> None:
    """These handlers report their steps through files in the test's tmp_path, under /tmp, which
    the sandbox's private /tmp would hide (tests/test_runtime_sandbox.py covers the sandbox).
    Per test, so that the rest of the suite keeps the sandbox on."""
    monkeypatch.setenv("LAMINA_SANDBOX", "0")


@pytest.fixture(scope="session")
def skip_time_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    server = start_emulator(tmp_path_factory.mktemp("durable") / "data", "--skip-time")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lam(skip_time_emulator: EmulatorProcess) -> Any:
    return make_client(skip_time_emulator.endpoint, read_timeout=120)


def create_durable(lam: Any, handler: str, **config: Any) -> str:
    """Create functions/<handler> as a durable function; its name."""
    name = unique(handler.replace("_", "-"))
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Timeout=60,
        Code={"ZipFile": durable_zip(handler)},
        DurableConfig={"ExecutionTimeout": 3600, "RetentionPeriodInDays": 1, **config},
    )
    return name


@pytest.fixture
def durable_function(lam: Any) -> Callable[..., str]:
    return lambda handler, **config: create_durable(lam, handler, **config)


# The editor the durable language-server tests drive: skipping time unless told otherwise,
# and without the sandbox's private /tmp (see no_private_tmp).
NO_SANDBOX = {"LAMINA_SANDBOX": "0"}


def editor_settings(*, skip_time: bool = True) -> dict[str, Any]:
    return {"durable": {"skipTime": skip_time}}


@pytest_asyncio.fixture
async def start_client() -> AsyncIterator[StartClient]:
    """lsp_harness.client_starter as a fixture: start_client(root, ...) -> a started editor."""
    async with client_starter() as start:
        yield start
