"""Sync's layers: a function's local layers (`AWS::Serverless::LayerVersion` and
`AWS::Lambda::LayerVersion` with a local ContentUri) published to the target, only when their
content changed, and the function pointed at the new version ARNs.

A layer is packaged as `sam build` packages it: its folder as is, or, with `Metadata.BuildMethod:
python3.X`, its folder and its requirements.txt's packages under python/ (for AWS, installed
for Lambda's platform). The zip is deterministic (deploy.package.build_zip), so its CodeSha256
says whether the content changed: the layer's newest version on the target is compared with it
(ListLayerVersions, then GetLayerVersion), and a new version is published only when they differ.
The layer is named after its `LayerName`, else its logical id as SAM names it (with
`sync.namePrefix` on the emulator). ARN layers are
passed through as they are, but for `mapped` ones (the `layers` setting: ARN -> local folder,
given for the emulator only): the emulator can't reach the account that owns them, so their
folder is published there under the ARN's layer name, and the function runs what `lamina invoke`
runs.

Blocking (boto3, pip, zipping): run it in a thread, as FunctionDeployer runs.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.deploy.bundle import DependencyPlatform
from lamina.deploy.package import build_zip, code_sha256
from lamina.deploy.sync_errors import RetryingCall, RetryPolicy, SyncError, permanent
from lamina.deploy.sync_settings import SyncSettings, sync_python
from lamina.project.spec import FunctionSpec, LayerSpec
from lamina.zip_archive.limits import PackageError


class LayerPublisher:
    def __init__(
        self,
        lam: Any,
        retry: RetryPolicy,
        platform: DependencyPlatform,
        cache_dir: Path,
        python: str,
        name_prefix: str = "",
        mapped: Mapping[str, object] | None = None,
    ) -> None:
        self.lam = lam
        self.retry = retry
        self.call = RetryingCall(retry)
        self.platform = platform
        self.cache_dir = cache_dir
        self.python = python
        self.name_prefix = name_prefix
        self.mapped = dict(mapped or {})
        self.published: list[str] = []  # version ARNs this publisher made (for tests, logs)
        self._known: dict[str, tuple[str, str]] = {}  # layer name -> (CodeSha256, version ARN)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def layer_arns(self, spec: FunctionSpec) -> list[str]:
        """The function's layers as version ARNs, in its order (local ones published first
        when their content changed)."""
        arns = []
        for layer in spec.layers:
            folder = self.mapped.get(layer.arn or "")
            if layer.content_dir is None and layer.arn and folder:
                local = LayerSpec(layer.arn.split(":")[6], Path(str(folder)).expanduser())
                arns.append(self._publish(spec, local))
                continue
            if layer.content_dir is None:
                if layer.arn is None:
                    raise permanent(f"{spec.logical_id}: layer {layer.name} has no content")
                arns.append(layer.arn)
                continue
            arns.append(self._publish(spec, layer))
        return arns

    def _lock(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())

    def _publish(self, spec: FunctionSpec, layer: LayerSpec) -> str:
        name = self.name_prefix + layer.published_name
        data = self._package(spec, layer)
        sha = code_sha256(data)
        with self._lock(name):  # two functions sharing a layer publish it once
            known = self._known.get(name)
            if known is not None and known[0] == sha:
                return known[1]
            current = self._newest(name)
            if current is not None and current[0] == sha:
                self._known[name] = current
                return current[1]
            if len(data) > 50 * 1024 * 1024:
                raise permanent(
                    f"layer {layer.name}: {len(data)} bytes zipped, over the 50 MB a direct "
                    "upload may have: leave files out of its folder"
                )
            published = self.call(
                self.lam.publish_layer_version,
                f"layer {name}: PublishLayerVersion",
                LayerName=name,
                Content={"ZipFile": data},
                Description=f"lamina sync of {layer.content_dir}",
                CompatibleRuntimes=[spec.runtime] if spec.runtime.startswith("python") else [],
            )
            arn = str(published["LayerVersionArn"])
            self._known[name] = (sha, arn)
            self.published.append(arn)
            return arn

    def _newest(self, name: str) -> tuple[str, str] | None:
        """(CodeSha256, version ARN) of the layer's newest version on the target, if any."""
        try:
            listed = self.call(
                self.lam.list_layer_versions, f"layer {name}: ListLayerVersions", LayerName=name
            )
        except SyncError as e:
            if e.code == "ResourceNotFoundException":
                return None
            raise
        versions = listed.get("LayerVersions") or []
        if not versions:
            return None
        newest = max(versions, key=lambda v: int(v["Version"]))
        got = self.call(
            self.lam.get_layer_version,
            f"layer {name}: GetLayerVersion",
            LayerName=name,
            VersionNumber=int(newest["Version"]),
        )
        return str(got["Content"]["CodeSha256"]), str(got["LayerVersionArn"])

    def _package(self, spec: FunctionSpec, layer: LayerSpec) -> bytes:
        folder = layer.content_dir
        assert folder is not None
        try:
            if layer.build_method is None:
                return build_zip(folder)
            return build_zip(
                folder,
                prefix="python/",
                dependencies=self._requirements(spec, layer),
            )
        except PackageError as e:
            raise permanent(f"layer {layer.name}: {e}") from None

    def _requirements(self, spec: FunctionSpec, layer: LayerSpec) -> Path | None:
        requirements = layer.requirements_file
        if requirements is None:
            return None
        runtime = layer.build_method or spec.runtime
        if self.platform is DependencyPlatform.LAMBDA:
            from lamina.deploy.platform_dependencies import ensure_platform_dependencies

            architecture = spec.architectures[0] if spec.architectures else "x86_64"
            return ensure_platform_dependencies(requirements, runtime, architecture, self.cache_dir)
        from lamina.deploy.dependencies import ensure_dependencies

        return ensure_dependencies(requirements, self.python, self.cache_dir)


def for_target(
    lam: Any,
    retry: RetryPolicy,
    local: bool,
    cache_dir: Path,
    settings: SyncSettings,
    project_settings: Mapping[str, object],
    project_root: Path,
) -> LayerPublisher:
    """The publisher for one target: on the emulator (`local`) with the local platform,
    sync.namePrefix and the `layers` setting's mapped folders; on AWS for Lambda's platform."""
    from lamina.project.folder_settings import folder_mapping

    mapped = folder_mapping(project_settings.get("layers"), project_root) if local else None
    return LayerPublisher(
        lam,
        retry,
        DependencyPlatform.LOCAL if local else DependencyPlatform.LAMBDA,
        cache_dir,
        sync_python(settings, project_root),
        (settings.name_prefix or "") if local else "",
        mapped,
    )
