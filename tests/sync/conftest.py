"""Fixtures for the sync tests: a shared `lamina serve`, a moto-backed AWS account, projects."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from emulator.harness import EmulatorProcess, make_client, start_emulator

from sync.sync_harness import ROLE_NAME


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
