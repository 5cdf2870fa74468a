"""Fixtures for the sync tests: a shared `lamina serve`, a moto-backed AWS account, projects."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from emulator.harness import EmulatorProcess, handler_zip, make_client, start_emulator

from lamina.deploy.sync_manager import SyncManager
from lamina.deploy.sync_settings import SyncSettings, SyncTarget
from lamina.project import load_project
from sync.sync_harness import FAST_RETRY, ROLE_ARN, ROLE_NAME, Recorder


@pytest.fixture(scope="session")
def sync_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """One `lamina serve` for the emulator-target tests (each test uses its own names)."""
    server = start_emulator(tmp_path_factory.mktemp("sync-emulator") / "data")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def emulator_lambda(sync_emulator: EmulatorProcess) -> Any:
    return make_client(sync_emulator.endpoint)


@pytest.fixture
def moto_aws(aws_env: Path, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The AWS target pointed at moto server: dummy credentials, every service's endpoint on
    moto (AWS_ENDPOINT_URL, which boto3 honours), and an IAM role for functions."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    session = boto3.session.Session(region_name="us-east-1")
    iam = session.client("iam")
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument="{}")
    return session


@pytest.fixture
def no_aws_endpoint_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL"):
            monkeypatch.delenv(name)


@pytest.fixture
async def managers() -> AsyncIterator[list[SyncManager]]:
    """Managers a test made; closed at the end, whatever happened."""
    made: list[SyncManager] = []
    yield made
    for manager in made:
        await manager.close()


@pytest.fixture
def make_manager(
    managers: list[SyncManager],
) -> Callable[..., tuple[SyncManager, Recorder]]:
    def make(root: Path, endpoint: str, **options: Any) -> tuple[SyncManager, Recorder]:
        recorder = Recorder()
        settings = SyncSettings(emulator_endpoint=endpoint, **options.pop("settings", {}))
        manager = SyncManager(load_project(root), settings, recorder, **options)
        managers.append(manager)
        return manager, recorder

    return make


@pytest.fixture
async def aws_manager(
    moto_aws: Any,
) -> AsyncIterator[Callable[..., tuple[SyncManager, Recorder]]]:
    made: list[SyncManager] = []

    def make(root: Path, **settings: Any) -> tuple[SyncManager, Recorder]:
        recorder = Recorder()
        options = SyncSettings(target=SyncTarget.AWS, region="us-east-1").replace(**settings)
        manager = SyncManager(load_project(root), options, recorder, retry=FAST_RETRY)
        made.append(manager)
        return manager, recorder

    yield make
    for manager in made:
        await manager.close()


@pytest.fixture
def lam(moto_aws: Any) -> Any:
    return moto_aws.client("lambda")


@pytest.fixture
def existing(lam: Any) -> Callable[..., str]:
    """existing(**CreateFunction params) -> the name of a function created in moto."""

    def create(**params: Any) -> str:
        options: dict[str, Any] = {
            "FunctionName": f"aws-{uuid.uuid4().hex[:10]}",
            "Runtime": "python3.12",
            "Role": ROLE_ARN,
            "Handler": "app.handler",
            "Code": {"ZipFile": handler_zip("deployed")},
        }
        options.update(params)
        lam.create_function(**options)
        return str(options["FunctionName"])

    return create
