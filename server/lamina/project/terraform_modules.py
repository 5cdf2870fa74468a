"""Terraform modules: their functions, read like the root's.

    module "api" {
      source = "./modules/api"    # or a registry/git source, once `terraform init` installed it
      stage  = var.stage          # the module's input variables, resolved in the caller
      count  = 2                  # or for_each: one copy of its functions per instance
    }

The module folder's *.tf files are read with the block's arguments as its variables (over
their defaults), so `path.module` is the module's folder, and each function found is named by
its Terraform address under the module, `module.api.<name>` (`module.api[0].<name>` when
counted). A local source is a folder; any other source (registry, git, S3, ...) is the folder
`terraform init` recorded for it in `.terraform/modules/modules.json` beside the root module.
Modules call modules up to a few levels deep.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lamina.project.spec import FunctionSpec

LOCAL_SOURCE_PREFIXES = ("./", "../")
MAX_DEPTH = 4
MODULES_JSON = Path(".terraform") / "modules" / "modules.json"
# Meta-arguments of a module block, not input variables.
_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


@dataclasses.dataclass(frozen=True)
class ModuleCall:
    """One module block (one instance of it, when counted) as its caller sees it."""

    name: str  # with the instance's index: api, api[0], api["eu"]
    key: str  # modules.json's Key: the module names from the root, dotted (net.api)
    source: str
    body: Mapping[str, Any]
    root: Path  # the root module's folder, where .terraform/ is
    depth: int


# (folder, environ, variables, depth, root, module key) -> TemplateFunctions
ReadFolder = Callable[[Path, Mapping[str, str], Mapping[str, Any], int, Path, str], Any]


def is_local_source(source: str) -> bool:
    return source.startswith(LOCAL_SOURCE_PREFIXES)


def installed_modules(root: Path) -> dict[str, Path]:
    """modules.json's Key -> folder, as `terraform init` wrote it ({} when it hasn't run)."""
    try:
        recorded = json.loads((root / MODULES_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found: dict[str, Path] = {}
    for module in recorded.get("Modules") or [] if isinstance(recorded, Mapping) else []:
        if isinstance(module, Mapping) and isinstance(module.get("Dir"), str):
            found[str(module.get("Key", ""))] = Path(os.path.normpath(root / module["Dir"]))
    return found


def module_folder(call: ModuleCall, caller_folder: Path) -> tuple[Path | None, str]:
    """The folder of the module's *.tf files, or None and why not."""
    if is_local_source(call.source):
        folder = Path(os.path.normpath(caller_folder / call.source))
        return (folder, "") if folder.is_dir() else (None, "no such folder")
    installed = installed_modules(call.root).get(call.key)
    if installed is None:
        return None, (
            "not installed: run `terraform init` so that .terraform/modules holds it; "
            "functions defined inside it are not listed"
        )
    if not installed.is_dir():
        return None, f"{installed} is missing: run `terraform init` again"
    return installed, ""


def module_inputs(
    body: Mapping[str, Any], resolve: Callable[[Any, str], Any], address: str
) -> dict[str, Any]:
    """The module block's input variables, resolved in the calling configuration."""
    return {
        str(key): resolve(value, f"{address}.{key}")
        for key, value in body.items()
        if key not in _META
    }


def read_module(
    call: ModuleCall,
    caller_folder: Path,
    environ: Mapping[str, str],
    resolve: Callable[[Any, str], Any],
    read_folder: ReadFolder,
) -> tuple[list[FunctionSpec], list[str]]:
    """The functions of `module.<name>` and its warnings (each prefixed with its address)."""
    address = f"module.{call.name}"
    folder, why_not = module_folder(call, caller_folder)
    if folder is None:
        return [], [f"{address} ({call.source}): {why_not}"]
    if call.depth >= MAX_DEPTH:
        return [], [f"{address} ({call.source}): modules nested deeper than {MAX_DEPTH}; not read"]
    inputs = module_inputs(call.body, resolve, address)
    read = read_folder(folder, environ, inputs, call.depth + 1, call.root, call.key)
    functions = [
        dataclasses.replace(spec, logical_id=f"{address}.{spec.logical_id}")
        for spec in read.functions
    ]
    return functions, [f"{address}: {warning}" for warning in read.warnings]
