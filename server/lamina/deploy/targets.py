"""Sync targets: one kind of thing, a boto3 Lambda client, with or without an endpoint.

- `emulator`: `lamina serve` at the `emulator.endpoint` setting (or `--endpoint-url`), else
  `AWS_ENDPOINT_URL_LAMBDA`, else http://127.0.0.1:3001, always with dummy credentials: the
  developer's own never leave for a local endpoint.
- `aws`: the normal credential chain (env, `sync.profile`, SSO...), in `sync.region`, else the
  region samconfig.toml or the profile names, else AWS_REGION/AWS_DEFAULT_REGION.

boto3 is imported only in `make_clients` (blocking, about half a second the first time): call it
through asyncio.to_thread, never on a language server's start path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lamina.deploy.sync_errors import permanent
from lamina.deploy.sync_settings import SyncSettings, SyncTarget

DEFAULT_EMULATOR_ENDPOINT = "http://127.0.0.1:3001"
DUMMY_ACCESS_KEY = "lamina"
DUMMY_SECRET_KEY = "lamina"  # not a secret: the emulator accepts any signature


def emulator_endpoint(settings: SyncSettings, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    endpoint = (
        settings.emulator_endpoint
        or env.get("AWS_ENDPOINT_URL_LAMBDA")
        or DEFAULT_EMULATOR_ENDPOINT
    )
    return endpoint.rstrip("/")


def local_region(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"


@dataclass
class TargetClients:
    """The clients of one target, made once and shared by every function's deploys (boto3
    clients are thread-safe)."""

    kind: SyncTarget
    session: Any
    lambda_client: Any
    region: str
    endpoint: str | None = None  # the emulator's URL; None for AWS
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.kind.value

    def describe(self) -> str:
        if self.kind is SyncTarget.EMULATOR:
            return f"the emulator at {self.endpoint}"
        return f"AWS Lambda in {self.region}"

    def client(self, service: str) -> Any:
        """Another client of the same session (s3 for big packages, cloudformation for names)."""
        if service not in self._clients:
            # The normal endpoint resolution (AWS_ENDPOINT_URL_S3 and the like still apply).
            self._clients[service] = self.session.client(service, config=_config(self.kind))
        return self._clients[service]


def _config(kind: SyncTarget) -> Any:
    from botocore.config import Config

    local = kind is SyncTarget.EMULATOR
    return Config(
        retries={"total_max_attempts": 1},  # sync_errors.call_with_retries does the retrying
        connect_timeout=2 if local else 10,
        read_timeout=120,
        max_pool_connections=16,
        parameter_validation=not local,
    )


def make_clients(
    settings: SyncSettings,
    endpoint_override: str | None = None,
    region_hint: str | None = None,
    profile_hint: str | None = None,
) -> TargetClients:
    """The clients for `settings.target` (blocking). `endpoint_override` is the CLI's
    --endpoint-url; the hints come from samconfig.toml. Raises SyncError for a bad profile or
    a missing region."""
    import boto3
    from botocore.exceptions import BotoCoreError

    if settings.target is SyncTarget.EMULATOR:
        endpoint = (endpoint_override or emulator_endpoint(settings)).rstrip("/")
        session = boto3.session.Session(
            aws_access_key_id=DUMMY_ACCESS_KEY,
            aws_secret_access_key=DUMMY_SECRET_KEY,
            region_name=local_region(),
        )
        client = session.client(
            "lambda", endpoint_url=endpoint, config=_config(SyncTarget.EMULATOR)
        )
        return TargetClients(SyncTarget.EMULATOR, session, client, local_region(), endpoint)

    profile = settings.profile or profile_hint
    try:
        session = boto3.session.Session(
            profile_name=profile, region_name=settings.region or region_hint
        )
    except BotoCoreError as e:
        raise permanent(f"AWS profile: {e} (the sync.profile setting)") from None
    region = session.region_name
    if not region:
        raise permanent("no AWS region: set sync.region, or AWS_REGION, or a region in the profile")
    client = session.client(
        "lambda", endpoint_url=endpoint_override, config=_config(SyncTarget.AWS)
    )
    return TargetClients(SyncTarget.AWS, session, client, region)
