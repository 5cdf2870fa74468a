"""One deploy of one function to a target (blocking: run it in a thread).

1. Compare the package's CodeSha256 with the function's; upload only when they differ (through
   S3 above 50 MB, on AWS).
2. Push Handler, Timeout, MemorySize and Environment when the template's differ. On AWS an
   environment value the template only has as a placeholder (`${Ref:Table}`: CloudFormation
   resolved it at deploy time) keeps its deployed value (function_changes.py).
3. Wait until the update is done: on the emulator by polling GetFunctionConfiguration every
   10 ms, on AWS with `function_updated_v2`'s rules (LastUpdateStatus Successful; Failed fails).
4. Optionally publish a version and point an alias at it (function_versions.py); a protected
   alias is never moved.

On the emulator a missing function is created from the project model and tagged
`lamina:source=<abs CodeUri>`. On AWS a missing function is an error: sync never creates or
deletes anything there.

Calls are retried on network and throttling errors. The remote state is remembered after each
deploy, so the next one goes straight to UpdateFunctionCode with that RevisionId; if someone
else changed the function meanwhile, the service refuses (PreconditionFailed) and it is read again.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lamina.deploy.bundle import Package, megabytes
from lamina.deploy.function_changes import configuration_changes
from lamina.deploy.function_versions import point_alias, publish_version
from lamina.deploy.project_identity import PROJECT_ROOT_TAG, PROJECT_TAG, ownership_conflict
from lamina.deploy.sync_errors import RetryingCall, RetryPolicy, SyncError, permanent
from lamina.deploy.sync_settings import SyncTarget
from lamina.deploy.sync_status import SyncState
from lamina.deploy.targets import TargetClients
from lamina.project.spec import FunctionSpec
from lamina.zip_archive.limits import MAX_ZIPPED_BYTES

SOURCE_TAG = "lamina:source"
EMULATOR_POLL_S = 0.01
AWS_POLL_S = 1.0  # the function_updated_v2 waiter's delay
WAIT_TIMEOUT_S = 300.0

Progress = Callable[[SyncState], None]


@dataclass(frozen=True)
class DeployOptions:
    publish: bool = False
    alias: str | None = None
    protected_aliases: tuple[str, ...] = ()
    s3_bucket: str | None = None
    # The project's identity on a shared emulator (deploy/project_identity.py).
    project_id: str | None = None
    project_root: str = ""
    force: bool = False


@dataclass(frozen=True)
class DeployOutcome:
    function_name: str
    code_sha256: str
    version: str | None = None
    created: bool = False
    code_updated: bool = False
    config_updated: bool = False
    alias: str | None = None
    url: str | None = None  # what sync did to the function's URL (deploy/function_urls.py)

    def summary(self) -> str:
        parts = []
        if self.created:
            parts.append("created")
        elif self.code_updated:
            parts.append("code updated")
        else:
            parts.append("code unchanged")
        if self.config_updated:
            parts.append("configuration updated")
        if self.version is not None:
            parts.append(f"version {self.version}")
        if self.alias is not None:
            parts.append(f"alias {self.alias}")
        if self.url is not None:
            parts.append(self.url)
        return ", ".join(parts)


class FunctionDeployer:
    """Deploys to one target. Thread-safe across functions; one deploy per function at a time
    is the caller's rule (FunctionSyncSession keeps it)."""

    def __init__(
        self,
        clients: TargetClients,
        options: DeployOptions,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.clients = clients
        self.options = options
        self.retry = retry or RetryPolicy()
        self.lam = clients.lambda_client
        self._call = RetryingCall(self.retry)
        self._known: dict[str, dict[str, Any]] = {}  # name -> its configuration, as last seen

    @property
    def local(self) -> bool:
        return self.clients.kind is SyncTarget.EMULATOR

    def forget(self, name: str) -> None:
        self._known.pop(name, None)

    # --- the deploy -----------------------------------------------------------------------------

    def deploy(
        self,
        spec: FunctionSpec,
        name: str,
        package: Package,
        progress: Progress,
        layers: list[str] | None = None,
    ) -> DeployOutcome:
        """`layers`: the function's layer version ARNs (deploy/layer_publisher.py)."""
        alias = self.options.alias
        if alias and alias in self.options.protected_aliases:
            raise permanent(
                f"alias {alias!r} is protected (sync.protectedAliases): Lamina never moves it; "
                "pick another sync.alias"
            )
        try:
            return self._deploy(spec, name, package, progress, layers)
        except SyncError:
            self.forget(name)
            raise

    def _deploy(
        self,
        spec: FunctionSpec,
        name: str,
        package: Package,
        progress: Progress,
        layers: list[str] | None,
    ) -> DeployOutcome:
        remote = self._known.get(name)
        created = code_updated = False
        if remote is not None and remote.get("CodeSha256") == package.code_sha256:
            remote = None  # unchanged, as far as we know: check the function itself
        if remote is not None:
            progress(SyncState.UPLOADING)
            remote = self._update_code(name, package, remote.get("RevisionId"))
            code_updated = remote is not None
        if remote is None:  # first deploy, or someone else changed it: read it first
            remote = self._read(spec, name)
            if remote is None:
                progress(SyncState.UPLOADING)
                remote, created = self._create(spec, name, package, layers), True
            elif remote.get("CodeSha256") != package.code_sha256:
                progress(SyncState.UPLOADING)
                remote = self._update_code(name, package, None)
                code_updated = True
        assert remote is not None
        progress(SyncState.WAITING)
        remote = self._wait(name, remote)
        changes = configuration_changes(spec, remote, self.clients.kind, layers)
        if changes:
            remote = self._call(
                self.lam.update_function_configuration,
                f"{name}: UpdateFunctionConfiguration",
                FunctionName=name,
                **changes,
            )
            remote = self._wait(name, remote)
        self._known[name] = remote
        version = alias_name = None
        alias = self.options.alias
        if self.options.publish or alias:
            version = publish_version(self._call, self.lam, name, package.code_sha256)
            self.forget(name)  # publishing may move $LATEST's RevisionId
            if alias:
                point_alias(self._call, self.lam, name, alias, version)
                alias_name = alias
        return DeployOutcome(
            name,
            package.code_sha256,
            version,
            created,
            code_updated,
            bool(changes),
            alias_name,
        )

    def _read(self, spec: FunctionSpec, name: str) -> dict[str, Any] | None:
        """The function's configuration, or None when it doesn't exist (emulator only)."""
        try:
            if not self.local:
                found: dict[str, Any] = self._call(
                    self.lam.get_function_configuration,
                    f"{name}: GetFunctionConfiguration",
                    FunctionName=name,
                )
                return found
            response = self._call(self.lam.get_function, f"{name}: GetFunction", FunctionName=name)
        except SyncError as e:
            if e.code != "ResourceNotFoundException":
                raise
            if self.local:
                return None
            raise permanent(
                f"{spec.logical_id}: the function {name!r} does not exist in "
                f"{self.clients.describe()}. Lamina never creates functions on AWS: deploy the "
                "stack first (sam deploy), or fix sync.functions"
            ) from None
        configuration: dict[str, Any] = response["Configuration"]
        tags = dict(response.get("Tags") or {})
        conflict = self._ownership_conflict(tags, spec.logical_id, name)
        if conflict and not self.options.force:
            raise permanent(conflict)
        wanted = self._tags(spec)
        if any(tags.get(key) != value for key, value in wanted.items()):
            self._call(
                self.lam.tag_resource,
                f"{name}: TagResource",
                Resource=configuration["FunctionArn"],
                Tags=wanted,
            )
        return configuration

    def _tags(self, spec: FunctionSpec) -> dict[str, str]:
        """What sync tags an emulator function with: its code and its project."""
        tags = {SOURCE_TAG: str(spec.code_dir)}
        if self.options.project_id:
            tags[PROJECT_TAG] = self.options.project_id
            tags[PROJECT_ROOT_TAG] = self.options.project_root
        return tags

    def _ownership_conflict(self, tags: dict[str, str], logical_id: str, name: str) -> str | None:
        if not self.options.project_id:
            return None
        return ownership_conflict(
            tags, self.options.project_id, self.options.project_root, logical_id, name
        )

    def _check_direct_upload(self, spec_name: str, package: Package) -> None:
        if package.needs_s3 and self.local:
            raise permanent(
                f"{spec_name}: the package is {megabytes(package.zipped_size)} zipped, over the "
                f"{megabytes(MAX_ZIPPED_BYTES)} the emulator takes in one upload (it has no "
                "S3): leave files out with a .laminaignore"
            )

    def _create(
        self, spec: FunctionSpec, name: str, package: Package, layers: list[str] | None
    ) -> dict[str, Any]:
        self._check_direct_upload(name, package)
        params: dict[str, Any] = {
            "FunctionName": name,
            "Runtime": spec.runtime,
            "Role": spec.role,
            "Handler": spec.handler,
            "Code": {"ZipFile": package.data},
            "Timeout": spec.timeout,
            "MemorySize": spec.memory_size,
            "Architectures": list(spec.architectures[:1] or ["x86_64"]),
            "Tags": self._tags(spec),
        }
        if spec.environment:
            params["Environment"] = {"Variables": dict(spec.environment)}
        if layers:
            params["Layers"] = layers
        created: dict[str, Any] = self._call(
            self.lam.create_function, f"{name}: CreateFunction", **params
        )
        return created

    def _code_source(self, name: str, package: Package) -> dict[str, Any]:
        if not package.needs_s3:
            return {"ZipFile": package.data}
        self._check_direct_upload(name, package)
        bucket = self.options.s3_bucket
        if not bucket:
            raise permanent(
                f"{name}: the package is {megabytes(package.zipped_size)} zipped, over Lambda's "
                f"{megabytes(MAX_ZIPPED_BYTES)} direct upload limit: set sync.s3Bucket to a "
                "bucket Lamina may upload it to"
            )
        digest = base64.b64decode(package.code_sha256).hex()
        key = f"lamina/{name}/{digest}.zip"
        self._call(
            self.clients.client("s3").put_object,
            f"{name}: S3 PutObject to {bucket}",
            Bucket=bucket,
            Key=key,
            Body=package.data,
        )
        return {"S3Bucket": bucket, "S3Key": key}

    def _update_code(
        self, name: str, package: Package, revision: str | None
    ) -> dict[str, Any] | None:
        """The new configuration, or None when `revision` is stale (read it again)."""
        params = {"FunctionName": name, **self._code_source(name, package)}
        if revision:
            params["RevisionId"] = revision
        try:
            updated: dict[str, Any] = self._call(
                self.lam.update_function_code, f"{name}: UpdateFunctionCode", **params
            )
        except SyncError as e:
            if revision and e.code in ("PreconditionFailedException", "ResourceNotFoundException"):
                self.forget(name)
                return None
            raise
        return updated

    # --- waiting ------------------------------------------------------------------------------

    def _wait(self, name: str, configuration: dict[str, Any]) -> dict[str, Any]:
        """`configuration` once the function is Active and its last update Successful."""
        deadline = time.monotonic() + WAIT_TIMEOUT_S
        interval = EMULATOR_POLL_S if self.local else AWS_POLL_S
        while True:
            state = configuration.get("State", "Active")
            status = configuration.get("LastUpdateStatus", "Successful")
            if state == "Failed" or status == "Failed":
                reason = configuration.get("LastUpdateStatusReason") or configuration.get(
                    "StateReason", "no reason given"
                )
                raise permanent(f"{name}: the update failed: {reason}")
            if state != "Pending" and status != "InProgress":
                return configuration
            if time.monotonic() > deadline:
                raise SyncError(
                    f"{name}: still updating after {WAIT_TIMEOUT_S:.0f} s", permanent=False
                )
            time.sleep(interval)
            configuration = self._call(
                self.lam.get_function_configuration,
                f"{name}: GetFunctionConfiguration",
                FunctionName=name,
            )
