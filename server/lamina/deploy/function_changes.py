"""What a deploy changes in a function's configuration: the UpdateFunctionConfiguration
parameters where the template and the deployed function differ.

On AWS an environment value the template only has as a placeholder (`${Ref:Table}`:
CloudFormation resolved it at deploy time) keeps its deployed value, and one the function
doesn't have is left out.
"""

from __future__ import annotations

import re
from typing import Any

from lamina.deploy.sync_settings import SyncTarget
from lamina.project.spec import FunctionSpec

_PLACEHOLDER = re.compile(r"\$\{(Ref|GetAtt|ImportValue|Resolve|[A-Za-z:]+):[^}]*\}")


def desired_environment(
    spec: FunctionSpec, remote: dict[str, str], kind: SyncTarget
) -> dict[str, str]:
    wanted = dict(spec.environment)
    if kind is SyncTarget.AWS:
        for key, value in list(wanted.items()):
            if _PLACEHOLDER.search(value):
                if key in remote:
                    wanted[key] = remote[key]
                else:
                    del wanted[key]
    return wanted


def configuration_changes(
    spec: FunctionSpec, remote: dict[str, Any], kind: SyncTarget, layers: list[str] | None = None
) -> dict[str, Any]:
    """The UpdateFunctionConfiguration parameters that differ between template and function."""
    changes: dict[str, Any] = {}
    if remote.get("Handler") != spec.handler:
        changes["Handler"] = spec.handler
    if remote.get("Timeout") != spec.timeout:
        changes["Timeout"] = spec.timeout
    if remote.get("MemorySize") != spec.memory_size:
        changes["MemorySize"] = spec.memory_size
    deployed = dict((remote.get("Environment") or {}).get("Variables") or {})
    wanted = desired_environment(spec, deployed, kind)
    if wanted != deployed:
        changes["Environment"] = {"Variables": wanted}
    if layers is not None and [item["Arn"] for item in remote.get("Layers") or ()] != layers:
        changes["Layers"] = layers  # the version ARNs LayerPublisher gave
    return changes
