"""Local Terraform modules (`source = "./modules/api"`): their functions, read like the root's.

    module "api" {
      source = "./modules/api"
      stage  = var.stage          # the module's input variables, resolved in the caller
    }

The module folder's *.tf files are read with the block's arguments as its variables (over
their defaults), so `path.module` is the module's folder, and each function found is named by
its Terraform address under the module, `module.api.<name>`. Modules call modules up to a few
levels deep. Registry and git sources are not fetched: the caller warns about them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lamina.project.spec import FunctionSpec

LOCAL_SOURCE_PREFIXES = ("./", "../")
MAX_DEPTH = 4
# Meta-arguments of a module block, not input variables.
_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})

# (folder, environ, variables, depth) -> (functions, warnings)
ReadFolder = Callable[[Path, Mapping[str, str], Mapping[str, Any], int], Any]


def is_local_source(source: str) -> bool:
    return source.startswith(LOCAL_SOURCE_PREFIXES)


def module_inputs(
    body: Mapping[str, Any], resolve: Callable[[Any, str], Any], address: str
) -> dict[str, Any]:
    """The module block's input variables, resolved in the calling configuration."""
    return {
        str(key): resolve(value, f"{address}.{key}")
        for key, value in body.items()
        if key not in _META
    }


def read_local_module(
    name: str,
    source: str,
    body: Mapping[str, Any],
    caller_folder: Path,
    environ: Mapping[str, str],
    resolve: Callable[[Any, str], Any],
    read_folder: ReadFolder,
    depth: int,
) -> tuple[list[FunctionSpec], list[str]]:
    """The functions of `module.<name>` and its warnings (each prefixed with its address)."""
    address = f"module.{name}"
    if "count" in body or "for_each" in body:
        return [], [f"{address} ({source}): count/for_each on a module is not read; skipped"]
    folder = Path(os.path.normpath(caller_folder / source))
    if not folder.is_dir():
        return [], [f"{address} ({source}): no such folder"]
    if depth >= MAX_DEPTH:
        return [], [f"{address} ({source}): modules nested deeper than {MAX_DEPTH}; not read"]
    read = read_folder(folder, environ, module_inputs(body, resolve, address), depth + 1)
    functions = [
        dataclasses.replace(spec, logical_id=f"{address}.{spec.logical_id}")
        for spec in read.functions
    ]
    return functions, [f"{address}: {warning}" for warning in read.warnings]
