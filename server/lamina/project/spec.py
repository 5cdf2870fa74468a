"""The function model every other part of Lamina works from."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/lamina-local"
DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128
DEFAULT_EPHEMERAL_MB = 512
LOCAL_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True)
class SampleEvent:
    """A JSON event file offered for a function (its own events/ folder, or the project's)."""

    name: str
    path: Path


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a function: local content, or an ARN."""

    name: str  # the layer resource's logical id, or the ARN
    content_dir: Path | None = None  # what Lambda unpacks into /opt
    arn: str | None = None
    # Metadata.BuildMethod (python3.X): SAM installs the folder's requirements.txt and puts the
    # folder and those packages under python/ in the layer.
    build_method: str | None = None
    # The template's LayerName: the name sync publishes under (the logical id when unset, as SAM).
    layer_name: str | None = None

    @property
    def published_name(self) -> str:
        return self.layer_name or self.name

    @property
    def requirements_file(self) -> Path | None:
        if self.build_method is None or self.content_dir is None:
            return None
        candidate = self.content_dir / "requirements.txt"
        return candidate if candidate.is_file() else None


@dataclass(frozen=True)
class FileSystemMount:
    """One FileSystemConfigs entry: an EFS access point mounted at /mnt/<name>."""

    arn: str  # the access point's ARN (or its resource's logical id)
    access_point: str  # its id (fsap-...) or logical id: names the local folder
    local_mount_path: str  # /mnt/<name>


@dataclass
class FunctionSpec:
    """One Lambda function, as a template, pyproject.toml or a bare target describes it.

    `logical_id` is the template key; `function_name` is the physical name (the FunctionName
    property, else the logical id) that the emulator and AWS use.
    """

    logical_id: str
    handler: str  # "module.function", dotted module path relative to code_dir
    code_dir: Path  # absolute path of the CodeUri
    function_name: str = ""
    runtime: str = LOCAL_RUNTIME
    timeout: int = DEFAULT_TIMEOUT_S
    memory_size: int = DEFAULT_MEMORY_MB
    environment: dict[str, str] = field(default_factory=dict)
    role: str = DEFAULT_ROLE
    architectures: list[str] = field(default_factory=lambda: ["x86_64"])
    events: list[SampleEvent] = field(default_factory=list)
    # Where the definition came from, so that errors and editors can point at it.
    source: str = (
        "target"  # "template" | "pyproject" | "target" | "cdk" | "serverless" | "terraform"
    )
    source_path: Path | None = None
    source_line: int | None = None  # 1-based line of the resource in its file
    layers: list[LayerSpec] = field(default_factory=list)  # in the function's order
    ephemeral_storage: int = DEFAULT_EPHEMERAL_MB  # MB of /tmp
    file_systems: list[FileSystemMount] = field(default_factory=list)
    # The function's event sources in SAM's shape ({name: {"Type": "HttpApi", "Properties":
    # {...}}}), whatever the project format: the template's Events, or serverless.yml's events.
    template_events: dict[str, Any] = field(default_factory=dict)
    # The template's DurableConfig (ExecutionTimeout, RetentionPeriodInDays): a durable function.
    durable_config: dict[str, Any] | None = None
    # ReservedConcurrentExecutions: at most this many invocations at once; Lambda throttles
    # the rest (0: every one).
    reserved_concurrency: int | None = None
    # CapacityProviderConfig (Lambda Managed Instances): invocations per environment
    # (runtime/managed_concurrency.py); None: an on-demand function.
    managed_concurrency: int | None = None
    # A CodeUri that is a .zip: the archive code_dir was unpacked from (its edits are not run).
    code_archive: Path | None = None
    # The template's FunctionUrlConfig, resolved and in function_url_config's normal shape.
    url_config: dict[str, Any] | None = None
    # TenancyConfig (PER_TENANT): every invoke names its tenant (emulator/tenancy.py's rules).
    tenant_isolation: bool = False

    def __post_init__(self) -> None:
        if not self.function_name:
            self.function_name = self.logical_id

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0] if "." in self.handler else self.handler

    @property
    def function(self) -> str:
        return self.handler.rsplit(".", 1)[1] if "." in self.handler else ""

    @property
    def handler_path(self) -> Path:
        """The file that should define the handler (it may not exist)."""
        return self.code_dir / (self.module.replace(".", "/") + ".py")

    @property
    def requirements_file(self) -> Path | None:
        path = self.code_dir / "requirements.txt"
        return path if path.is_file() else None


class ProjectError(Exception):
    """A mistake in the user's project: one line that says what and where."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"
