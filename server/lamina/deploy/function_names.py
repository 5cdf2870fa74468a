"""Which function on AWS a template's function is: logical id -> physical name.

In order: the `sync.functions` setting; the CloudFormation stack named by `sync.stackName` or
samconfig.toml (DescribeStackResources: its AWS::Lambda::Function resources; a SAM function
deploys as one); a FunctionName the template sets explicitly. Anything else is not mapped, and
Lamina refuses to guess: it never deploys to a function it cannot name for sure.

The emulator needs none of this: there the name is `FunctionSpec.function_name`.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamina.deploy.sync_errors import call_with_retries, permanent
from lamina.deploy.sync_settings import SyncSettings
from lamina.project.spec import FunctionSpec

log = logging.getLogger(__name__)
SAMCONFIG_FILE_NAME = "samconfig.toml"
LAMBDA_RESOURCE_TYPE = "AWS::Lambda::Function"
_SAMCONFIG_SECTIONS = ("sync", "deploy", "global")


@dataclass(frozen=True)
class SamConfig:
    """What sync takes from samconfig.toml (the `default` environment)."""

    stack_name: str | None = None
    region: str | None = None
    profile: str | None = None


def read_samconfig(root: Path) -> SamConfig:
    """stack_name, region and profile from `[default.{sync,deploy,global}.parameters]`."""
    path = root / SAMCONFIG_FILE_NAME
    if not path.is_file():
        return SamConfig()
    document: dict[str, Any] = {}
    for module_name in ("tomllib", "tomli"):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        try:
            document = module.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, module.TOMLDecodeError) as e:
            log.warning("%s: ignored, it cannot be read: %s", path, e)
        break
    environment = document.get("default", {})
    found: dict[str, str] = {}
    for section in _SAMCONFIG_SECTIONS:
        table = environment.get(section, {}) if isinstance(environment, dict) else {}
        parameters = table.get("parameters", {}) if isinstance(table, dict) else {}
        if not isinstance(parameters, dict):
            continue
        for key in ("stack_name", "region", "profile"):
            value = parameters.get(key)
            if isinstance(value, str) and value and key not in found:
                found[key] = value
    return SamConfig(found.get("stack_name"), found.get("region"), found.get("profile"))


class FunctionNames:
    """Resolves physical names for the AWS target; asks CloudFormation once, and again when a
    function is missing from the answer (the stack may have been deployed since)."""

    def __init__(self, settings: SyncSettings, samconfig: SamConfig) -> None:
        self.settings = settings
        self.stack_name = settings.stack_name or samconfig.stack_name
        self._stack: dict[str, str] | None = None
        self._lock = threading.Lock()

    def resolve(self, spec: FunctionSpec, cloudformation: Callable[[], Any]) -> str:
        """The physical name of `spec` (blocking; `cloudformation()` gives a client when the
        stack must be asked). Raises a permanent SyncError if unmapped."""
        mapped = self.settings.functions.get(spec.logical_id)
        if mapped:
            return mapped
        if self.stack_name:
            with self._lock:
                if self._stack is None or spec.logical_id not in self._stack:
                    self._stack = self._stack_functions(cloudformation())
                name = self._stack.get(spec.logical_id)
            if name:
                return name
        if spec.function_name != spec.logical_id:
            return spec.function_name  # the template names it: that is its name on AWS
        where = f"the stack {self.stack_name!r}" if self.stack_name else "sync.functions"
        raise permanent(
            f"{spec.logical_id} is not mapped to a function on AWS (not in {where}): add it to "
            "sync.functions (logical id -> function name), or set sync.stackName to the stack "
            "that deployed it. Lamina never guesses a name on AWS."
        )

    def _stack_functions(self, cloudformation: Any) -> dict[str, str]:
        response = call_with_retries(
            cloudformation.describe_stack_resources,
            StackName=self.stack_name,
            where=f"stack {self.stack_name}",
        )
        return {
            str(resource["LogicalResourceId"]): str(resource["PhysicalResourceId"])
            for resource in response.get("StackResources", [])
            if resource.get("ResourceType") == LAMBDA_RESOURCE_TYPE
            and resource.get("PhysicalResourceId")
        }
