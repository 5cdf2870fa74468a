"""Fixtures for the emulator's tests (helpers live in harness.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from emulator.harness import ROLE, EmulatorProcess, handler_zip, make_client, start_emulator, unique


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """One `lamina serve` for the tests that don't need their own (unique function names)."""
    server = start_emulator(tmp_path_factory.mktemp("emulator") / "data")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lam(emulator: EmulatorProcess) -> Any:
    """A boto3 Lambda client for the shared emulator, with retries off (429/5xx stay visible)."""
    return make_client(emulator.endpoint)


@pytest.fixture
def deploy(lam: Any) -> Callable[..., str]:
    """deploy(answer="v1", name=None, **CreateFunction params) -> the new function's name."""

    def create(answer: object = "v1", name: str | None = None, **params: Any) -> str:
        name = name or unique()
        options: dict[str, Any] = {
            "FunctionName": name,
            "Runtime": "python3.12",
            "Role": ROLE,
            "Handler": "app.handler",
            "Code": {"ZipFile": handler_zip(answer)},
        }
        options.update(params)
        lam.create_function(**options)
        return name

    return create


@pytest.fixture(scope="session")
def lambda_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("lambda")
