"""Credentials for execution environments, against a real moto server standing in for STS."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from ports import free_port

from lamina.runtime.credentials import (
    Credentials,
    CredentialsError,
    CredentialSource,
    credential_source,
)

ROLE_ARN = "arn:aws:iam::123456789012:role/lamina-test-role"
REPO = Path(__file__).resolve().parents[1]
SECRET = "base-secret-do-not-leak"  # the same as conftest.aws_env sets


def _write_profiles(home: Path) -> None:
    (home / "credentials").write_text(
        "[dev]\naws_access_key_id = AKIADEVEXAMPLE0001\naws_secret_access_key = dev-secret\n"
    )
    (home / "config").write_text("[profile dev]\nregion = eu-west-1\n")


async def test_assume_role_returns_session_credentials(sts_env: str) -> None:
    source = credential_source(ROLE_ARN, None, "us-east-1")
    creds = await source.current()

    assert creds is not None
    assert creds.access_key_id.startswith("ASIA")
    assert creds.secret_access_key
    assert creds.session_token
    assert creds.expiry is not None and creds.expiry.tzinfo is not None
    assert timedelta(minutes=55) < creds.expiry - datetime.now(timezone.utc) <= timedelta(hours=1)
    assert ROLE_ARN in creds.source
    assert source.notice is None
    # Fresh: served from the cache, no second AssumeRole.
    assert await source.current() is creds
    assert not source.needs_refresh(creds)


async def test_assume_role_with_explicit_endpoint(aws_env: Path, moto_endpoint: str) -> None:
    source = credential_source(ROLE_ARN, None, None, endpoint_url=moto_endpoint)
    creds = await source.current()
    assert creds is not None and creds.access_key_id.startswith("ASIA")


async def test_assume_role_refreshes_before_expiry(sts_env: str) -> None:
    source = credential_source(ROLE_ARN, None, None, session_name="lamina-refresh-test")
    first = await source.current()
    assert first is not None and first.expiry is not None

    # Pretend the session is about to run out: 4 minutes left, inside the 5-minute margin.
    soon = datetime.now(timezone.utc) + timedelta(minutes=4)
    source._cached = dataclasses.replace(first, expiry=soon)
    assert source.needs_refresh(source._cached)

    second = await source.current()
    assert second is not None and second.expiry is not None
    assert second.access_key_id != first.access_key_id  # a new AssumeRole call happened
    assert second.expiry > soon + timedelta(minutes=30)
    assert not source.needs_refresh(second)


async def test_assume_role_from_profile(sts_env: str, aws_env: Path) -> None:
    _write_profiles(aws_env)
    source = credential_source(ROLE_ARN, "dev", None)
    creds = await source.current()
    assert creds is not None and creds.access_key_id.startswith("ASIA")
    assert "profile dev" in creds.source


async def test_assume_role_access_denied(
    sts_env: str, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    def reset_auth(count: str) -> None:
        request = urllib.request.Request(
            f"{moto_endpoint}/moto-api/reset-auth",
            data=count.encode(),
            headers={"Content-Type": "text/plain"},  # a form type would hide the body from moto
            method="POST",
        )
        urllib.request.urlopen(request, timeout=5).close()

    # Two unauthenticated calls to make a user with no policies; moto then enforces IAM.
    reset_auth("2")
    try:
        iam = boto3.client("iam", endpoint_url=moto_endpoint, region_name="us-east-1")
        iam.create_user(UserName="nobody")
        key = iam.create_access_key(UserName="nobody")["AccessKey"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])

        source = credential_source(ROLE_ARN, None, None)
        with pytest.raises(CredentialsError) as caught:
            await source.current()
    finally:
        reset_auth("inf")

    message = str(caught.value)
    assert "\n" not in message
    assert ROLE_ARN in message
    assert "AccessDenied" in message
    assert key["SecretAccessKey"] not in message
    assert key["AccessKeyId"] not in message


async def test_assume_role_unreachable_endpoint(aws_env: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    source = credential_source(ROLE_ARN, None, None, endpoint_url=url)
    with pytest.raises(CredentialsError) as caught:
        await source.current()
    message = str(caught.value)
    assert ROLE_ARN in message and "\n" not in message
    assert SECRET not in message


async def test_assume_role_without_base_credentials(
    sts_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    source = credential_source(ROLE_ARN, None, None)
    with pytest.raises(CredentialsError, match="no base AWS credentials"):
        await source.current()


async def test_profile_from_credentials_file(aws_env: Path) -> None:
    _write_profiles(aws_env)
    source = credential_source(None, "dev", None)
    creds = await source.current()
    assert creds == Credentials("AKIADEVEXAMPLE0001", "dev-secret", None, None, "profile dev")
    assert source.notice is None


async def test_unknown_profile(aws_env: Path) -> None:
    source = credential_source(None, "nope", None)
    with pytest.raises(CredentialsError) as caught:
        await source.current()
    assert "AWS profile 'nope' not found" in str(caught.value)
    assert str(aws_env / "config") in str(caught.value)


async def test_default_chain_from_environment(
    aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-token")
    source = credential_source(None, None, None)
    assert source.notice is not None
    assert "using your default AWS credentials (environment)" in source.notice
    assert "--assume-role" in source.notice
    creds = await source.current()
    assert creds == Credentials("testing", SECRET, "env-token", None, "environment")


async def test_default_chain_from_shared_file(
    aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    (aws_env / "credentials").write_text(
        "[default]\naws_access_key_id = AKIADEFAULT000001\naws_secret_access_key = s\n"
    )
    source = credential_source(None, None, None)
    creds = await source.current()
    assert creds is not None and creds.access_key_id == "AKIADEFAULT000001"
    assert creds.source == "shared credentials file (profile default)"
    assert source.notice is not None and creds.source in source.notice


async def test_nothing_configured(aws_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    source = credential_source(None, None, None)
    assert await source.current() is None
    assert source.notice == "no AWS credentials found; the function runs without any"


def _run_isolated(env: dict[str, str]) -> list[str]:
    code = (
        "import asyncio, sys\n"
        "import lamina.runtime.credentials as c\n"
        "s = c.credential_source(None, None, None)\n"
        "creds = asyncio.run(s.current())\n"
        "print(creds.source if creds else None)\n"
        "print(s.notice)\n"
        "print('botocore' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "BOTO_CONFIG"}
    env["PYTHONPATH"] = str(REPO / "server")
    env["HOME"] = str(home)
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(home / "missing-credentials")
    env["AWS_CONFIG_FILE"] = str(home / "missing-config")
    return env


def test_env_fast_path_does_not_import_botocore(tmp_path: Path) -> None:
    env = _clean_env(tmp_path)
    env["AWS_ACCESS_KEY_ID"] = "AKIAENV00000001"
    env["AWS_SECRET_ACCESS_KEY"] = "env-secret"
    source, notice, imported = _run_isolated(env)
    assert source == "environment"
    assert "using your default AWS credentials" in notice
    assert imported == "False"


def test_nothing_configured_does_not_import_botocore(tmp_path: Path) -> None:
    source, notice, imported = _run_isolated(_clean_env(tmp_path))
    assert source == "None"
    assert notice == "no AWS credentials found; the function runs without any"
    assert imported == "False"


def test_repr_masks_secrets() -> None:
    creds = Credentials(
        "ASIAEXAMPLEKEY1234",
        "super-secret-key",
        "super-secret-token",
        datetime(2030, 1, 1, tzinfo=timezone.utc),
        "assumed role " + ROLE_ARN,
    )
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert "super-secret" not in text
        assert "ASIAEXAMPLEKEY" not in text
        assert "1234" in text
        assert ROLE_ARN in text


def test_as_env() -> None:
    with_token = Credentials("AKIA1", "secret", "token", None, "environment")
    assert with_token.as_env() == {
        "AWS_ACCESS_KEY_ID": "AKIA1",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_SESSION_TOKEN": "token",
    }
    without = dataclasses.replace(with_token, session_token=None)
    assert without.as_env() == {"AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "secret"}


def test_needs_refresh() -> None:
    now = datetime.now(timezone.utc)
    creds = Credentials("AKIA1", "s", "t", now + timedelta(minutes=10), "x")
    source: CredentialSource = credential_source(ROLE_ARN, None, None)
    assert not source.needs_refresh(creds)
    assert source.needs_refresh(creds, margin_s=900)
    assert source.needs_refresh(dataclasses.replace(creds, expiry=now))
    assert not source.needs_refresh(dataclasses.replace(creds, expiry=None))
    assert not source.needs_refresh(None)


async def test_environment_credentials_never_need_refresh(
    aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing newer can be had from the environment, so never ask for environments to be replaced.
    soon = datetime.now(timezone.utc) + timedelta(minutes=1)
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", soon.isoformat().replace("+00:00", "Z"))
    source = credential_source(None, None, None)
    creds = await source.current()
    assert creds is not None and creds.expiry is not None
    assert abs((creds.expiry - soon).total_seconds()) < 1
    assert not source.needs_refresh(creds)
    assert await source.current() is creds
