"""SAM's Globals section: how `Globals.Function` (and `Globals.Api`...) merge under a resource's own
properties. Shared by the template reader, the HTTP front's API readers and deploy."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.project.cfn_values import intrinsic_name
from lamina.project.cfn_yaml import CfnDocument
from lamina.project.spec import ProjectError


def merge_globals(globals_value: Any, own_value: Any) -> Any:
    """SAM's Globals merge: plain mappings merge key by key (own wins); otherwise own wins."""
    if (
        isinstance(globals_value, Mapping)
        and isinstance(own_value, Mapping)
        and intrinsic_name(globals_value) is None
        and intrinsic_name(own_value) is None
    ):
        merged = dict(globals_value)
        for key, value in own_value.items():
            merged[key] = merge_globals(globals_value[key], value) if key in merged else value
        return merged
    return own_value


def mapping_section(document: CfnDocument, path: Path, name: str) -> Mapping[str, Any]:
    """A top-level section of the template (empty when absent); ProjectError if not a mapping."""
    value = document.data.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        line = document.section_line(name)
        raise ProjectError(f"{name} must be a mapping, not {type(value).__name__}", path, line)
    return value


def function_globals_of(document: CfnDocument, path: Path) -> Mapping[str, Any]:
    """The template's `Globals.Function` (empty when absent)."""
    function_globals = mapping_section(document, path, "Globals").get("Function")
    if function_globals is None:
        return {}
    if not isinstance(function_globals, Mapping):
        line = document.section_line("Globals")
        raise ProjectError("Globals.Function must be a mapping of properties", path, line)
    return function_globals


def with_global_layers(
    properties: Mapping[str, Any], function_globals: Mapping[str, Any]
) -> Mapping[str, Any]:
    """SAM adds a function's own Layers after Globals' (lists merge; they don't replace)."""
    global_layers, own = function_globals.get("Layers"), properties.get("Layers")
    if isinstance(global_layers, list) and isinstance(own, list) and own is not global_layers:
        return {**properties, "Layers": [*global_layers, *own]}
    return properties
