"""Capacity providers (Lambda Managed Instances): stored and validated as AWS does, in the
emulator's SQLite database, with no HTTP in here. Lamina runs functions on this machine, so a
provider's VPC, instance requirements and scaling are kept and shown, not acted on.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field, replace
from typing import Any

from lamina.emulator.database import Database
from lamina.emulator.errors import conflict, not_found
from lamina.emulator.model import timestamp
from lamina.runtime.managed_concurrency import template_concurrency

SCHEMA = """
CREATE TABLE IF NOT EXISTS capacity_providers (
    name TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
"""
# The members CreateCapacityProvider takes and the provider echoes back.
SETTINGS = (
    "VpcConfig",
    "PermissionsConfig",
    "InstanceRequirements",
    "CapacityProviderScalingConfig",
    "KmsKeyArn",
    "PropagateTags",
    "TelemetryConfig",
)
UPDATABLE = ("CapacityProviderScalingConfig", "PropagateTags", "TelemetryConfig")


@dataclass(frozen=True)
class CapacityProvider:
    name: str
    arn: str
    settings: dict[str, Any] = field(default_factory=dict)  # SETTINGS members, as given
    tags: dict[str, str] = field(default_factory=dict)
    last_modified: float = 0.0
    active_at: float = 0.0  # Pending before, Active after (--update-delay holds it)

    def to_api(self, now: float) -> dict[str, Any]:
        body: dict[str, Any] = {
            "CapacityProviderArn": self.arn,
            "State": "Active" if now >= self.active_at else "Pending",
            "LastModified": timestamp(self.last_modified),
        }
        body.update(self.settings)
        return body


def provider_of(config: Any) -> str | None:
    """The provider ARN a function's CapacityProviderConfig names (None: none)."""
    if not isinstance(config, dict):
        return None
    managed = config.get("LambdaManagedInstancesCapacityProviderConfig")
    arn = managed.get("CapacityProviderArn") if isinstance(managed, dict) else None
    return arn if isinstance(arn, str) else None


def environment_concurrency(config: Any, memory_size: int) -> int | None:
    """How many invocations one environment of a function serves at once (its
    CapacityProviderConfig's PerExecutionEnvironmentMaxConcurrency, or Python's default for its
    memory); None for a function without a capacity provider (on-demand)."""
    if provider_of(config) is None:
        return None
    return template_concurrency(config, memory_size)


class CapacityProviders:
    def __init__(self, db: Database, region: str, account: str) -> None:
        self.db = db
        self.prefix = f"arn:aws:lambda:{region}:{account}:capacity-provider:"
        self._providers: dict[str, CapacityProvider] = {}

    def open(self) -> None:
        self.db.ensure_schema(SCHEMA)
        for _name, data in self.db.query("SELECT name, data FROM capacity_providers"):
            provider = CapacityProvider(**json.loads(str(data)))
            self._providers[provider.name] = provider

    def arn(self, name: str) -> str:
        return self.prefix + name

    def name_of(self, name_or_arn: str) -> str:
        return name_or_arn.rsplit(":", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn

    def get(self, name_or_arn: str) -> CapacityProvider:
        name = self.name_of(name_or_arn)
        provider = self._providers.get(name)
        if provider is None:
            raise not_found(f"Capacity provider not found: {self.arn(name)}")
        return provider

    def all(self) -> list[CapacityProvider]:
        return [self._providers[name] for name in sorted(self._providers)]

    async def create(
        self, name: str, settings: dict[str, Any], tags: dict[str, str], delay_s: float
    ) -> CapacityProvider:
        if name in self._providers:
            raise conflict(f"Capacity provider already exists: {self.arn(name)}")
        now = time.time()
        provider = CapacityProvider(name, self.arn(name), settings, tags, now, now + delay_s)
        await self._save(provider)
        return provider

    async def update(self, name_or_arn: str, changes: dict[str, Any]) -> CapacityProvider:
        provider = self.get(name_or_arn)
        updated = replace(
            provider, settings={**provider.settings, **changes}, last_modified=time.time()
        )
        await self._save(updated)
        return updated

    async def set_tags(self, name_or_arn: str, tags: dict[str, str]) -> None:
        await self._save(replace(self.get(name_or_arn), tags=tags))

    async def delete(self, name_or_arn: str) -> CapacityProvider:
        provider = self.get(name_or_arn)

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM capacity_providers WHERE name = ?", (provider.name,))

        await self.db.run_async(write)
        self._providers.pop(provider.name, None)
        return provider

    async def _save(self, provider: CapacityProvider) -> None:
        data = json.dumps(provider.__dict__, separators=(",", ":"))

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO capacity_providers (name, data) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET data = excluded.data",
                (provider.name, data),
            )

        await self.db.run_async(write)
        self._providers[provider.name] = provider
