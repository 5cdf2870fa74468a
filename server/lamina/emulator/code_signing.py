"""Code signing configurations (CreateCodeSigningConfig and friends): stored and attached to
functions as AWS does, in the emulator's SQLite database, with no HTTP in here.

What a local emulator cannot check: signatures themselves. AWS verifies a package signed by AWS
Signer (from S3); a ZipFile upload carries no signature, so under a configuration whose
`UntrustedArtifactOnDeployment` is `Enforce` every upload is refused as unsigned, and under
`Warn` it is accepted (AWS would log a warning to CloudWatch).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from lamina.emulator.database import Database
from lamina.emulator.errors import LambdaError
from lamina.emulator.model import timestamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS code_signing_configs (
    arn TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class CodeSigningConfig:
    config_id: str
    arn: str
    profile_version_arns: tuple[str, ...]
    untrusted_artifact_on_deployment: str = "Warn"
    description: str = ""
    last_modified: str = ""

    def to_api(self) -> dict[str, Any]:
        return {
            "CodeSigningConfigId": self.config_id,
            "CodeSigningConfigArn": self.arn,
            "Description": self.description,
            "AllowedPublishers": {"SigningProfileVersionArns": list(self.profile_version_arns)},
            "CodeSigningPolicies": {
                "UntrustedArtifactOnDeployment": self.untrusted_artifact_on_deployment
            },
            "LastModified": self.last_modified,
        }


def missing(arn: str) -> LambdaError:
    """AWS's 404 for an unknown configuration (its body has no Type)."""
    return LambdaError(
        "ResourceNotFoundException",
        f"The Lambda code signing configuration {arn} can not be found.",
        error_type="",
    )


def missing_for_function(arn: str) -> LambdaError:
    return LambdaError(
        "CodeSigningConfigNotFoundException",
        "The code signing configuration cannot be found. Check that the provided configuration "
        f"is not deleted: {arn}.",
        status=404,
    )


def unsigned_code(arn: str) -> LambdaError:
    return LambdaError(
        "CodeVerificationFailedException",
        "Lambda cannot deploy the function: the code signing configuration "
        f"{arn} enforces signed code (UntrustedArtifactOnDeployment: Enforce), and lamina serve "
        "cannot verify signatures of ZipFile uploads. Set the policy to Warn to deploy locally.",
    )


class CodeSigningConfigs:
    def __init__(self, db: Database, region: str, account: str) -> None:
        self.db = db
        self.prefix = f"arn:aws:lambda:{region}:{account}:code-signing-config:"
        self._configs: dict[str, CodeSigningConfig] = {}

    def open(self) -> None:
        self.db.ensure_schema(SCHEMA)
        for _arn, data in self.db.query("SELECT arn, data FROM code_signing_configs"):
            values = json.loads(str(data))
            values["profile_version_arns"] = tuple(values["profile_version_arns"])
            config = CodeSigningConfig(**values)
            self._configs[config.arn] = config

    def get(self, arn: str) -> CodeSigningConfig:
        config = self._configs.get(arn)
        if config is None:
            raise missing(arn)
        return config

    def find(self, arn: str) -> CodeSigningConfig | None:
        return self._configs.get(arn)

    def all(self) -> list[CodeSigningConfig]:
        return sorted(self._configs.values(), key=lambda c: c.arn)

    async def create(
        self, profiles: list[str], policy: str | None, description: str | None
    ) -> CodeSigningConfig:
        config_id = "csc-" + secrets.token_hex(9)[:17]
        config = CodeSigningConfig(
            config_id=config_id,
            arn=self.prefix + config_id,
            profile_version_arns=tuple(profiles),
            untrusted_artifact_on_deployment=policy or "Warn",
            description=description or "",
            last_modified=timestamp(time.time()),
        )
        await self._save(config)
        return config

    async def update(
        self,
        arn: str,
        profiles: list[str] | None,
        policy: str | None,
        description: str | None,
    ) -> CodeSigningConfig:
        config = self.get(arn)
        changes: dict[str, Any] = {}
        if profiles is not None:
            changes["profile_version_arns"] = tuple(profiles)
        if policy is not None:
            changes["untrusted_artifact_on_deployment"] = policy
        if description is not None:
            changes["description"] = description
        if not changes:
            return config
        updated = replace(config, **changes, last_modified=timestamp(time.time()))
        await self._save(updated)
        return updated

    async def delete(self, arn: str) -> None:
        self.get(arn)

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM code_signing_configs WHERE arn = ?", (arn,))

        await self.db.run_async(write)
        self._configs.pop(arn, None)

    async def _save(self, config: CodeSigningConfig) -> None:
        data = json.dumps(asdict(config), separators=(",", ":"))

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO code_signing_configs (arn, data) VALUES (?, ?) "
                "ON CONFLICT(arn) DO UPDATE SET data = excluded.data",
                (config.arn, data),
            )

        await self.db.run_async(write)
        self._configs[config.arn] = config

    def check_upload(self, arn: str | None) -> None:
        """Before CreateFunction or UpdateFunctionCode stores anything: the function's
        configuration must exist, and one that enforces signing refuses the (unsigned) upload."""
        if arn is None:
            return
        config = self._configs.get(arn)
        if config is None:
            raise missing_for_function(arn)
        if config.untrusted_artifact_on_deployment == "Enforce":
            raise unsigned_code(arn)
