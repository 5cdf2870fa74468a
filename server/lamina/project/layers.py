"""A template's layers: `AWS::Serverless::LayerVersion` / `AWS::Lambda::LayerVersion` resources with
local content, and each function's `Layers:` list (its own after Globals', as SAM merges lists).

A function names a layer by `!Ref` to a layer resource (local content), or by an ARN, a string
or anything that resolves to one (`!Sub`, a parameter). What the runtime does with them is in
runtime/layers.py.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lamina.project.cfn_values import intrinsic_name, to_text
from lamina.project.spec import LayerSpec

LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
MAX_LAYERS = 5  # Lambda's limit per function
_LAYER_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,140}$")  # botocore's LayerName pattern, name part


def read_layer_resources(
    resources: Mapping[str, Any],
    base_dir: Path,
    resolve: Callable[[Any, str], Any],
    warn: Callable[[str, str], None],
) -> dict[str, LayerSpec]:
    """The template's layer resources whose content is a local folder, by logical id."""
    layers: dict[str, LayerSpec] = {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") not in LAYER_TYPES:
            continue
        properties = resource.get("Properties") or {}
        if not isinstance(properties, Mapping):
            continue
        key = "ContentUri" if resource["Type"] == LAYER_TYPES[0] else "Content"
        content = resolve(properties.get(key), f"{logical_id}.{key}")
        if not isinstance(content, str) or content.startswith("s3://"):
            warn(str(logical_id), f"{key} {to_text(content)} is not a local folder; layer skipped")
            continue
        folder = (base_dir / content).resolve()
        if not folder.is_dir():
            warn(str(logical_id), f"{key} {content} is not a folder; layer skipped")
            continue
        metadata = resource.get("Metadata")
        build = metadata.get("BuildMethod") if isinstance(metadata, Mapping) else None
        unbuilt = custom_build_warning(resource)
        if unbuilt:
            warn(str(logical_id), unbuilt)
        layers[str(logical_id)] = LayerSpec(
            str(logical_id),
            content_dir=folder,
            build_method=str(build)
            if isinstance(build, str) and build.startswith("python")
            else None,
            layer_name=_layer_name(
                resolve(properties.get("LayerName"), f"{logical_id}.LayerName"),
                functools.partial(warn, str(logical_id)),
            ),
        )
    return layers


def custom_build_warning(resource: Mapping[str, Any]) -> str | None:
    """What a resource's `Metadata.BuildMethod` that Lamina does not run (makefile, esbuild, ...)
    leaves undone: `sam build` would have built its folder; Lamina runs the folder as it is."""
    metadata = resource.get("Metadata")
    build = metadata.get("BuildMethod") if isinstance(metadata, Mapping) else None
    if not isinstance(build, str) or build.startswith("python"):
        return None
    target = metadata.get("BuildTarget") if isinstance(metadata, Mapping) else None
    what = f"the {target} target" if isinstance(target, str) else f"BuildMethod {build}"
    return (
        f"Metadata.BuildMethod {build} is not run: Lamina uses the folder as it is, without what "
        f"{what} of `sam build` adds"
    )


def _layer_name(value: Any, warn: Callable[[str], None]) -> str | None:
    """LayerName as sync publishes it: a name, or the name inside a layer ARN; None (the
    logical id, as SAM defaults it) when unset or unresolved."""
    if value is None:
        return None
    name = to_text(value)
    if name.startswith("arn:") and len(name.split(":")) >= 7:
        name = name.split(":")[6]
    if "${" in name or not _LAYER_NAME.match(name):
        warn(f"LayerName {name!r} can't be used locally; sync publishes under the logical id")
        return None
    return name


def function_layers(
    value: Any,
    local: Mapping[str, LayerSpec],
    resolve: Callable[[Any, str], Any],
    warn: Callable[[str], None],
    where: str,
) -> list[LayerSpec]:
    """A function's `Layers:` as LayerSpecs, in order."""
    if value is None:
        return []
    if not isinstance(value, list):
        warn(f"Layers must be a list, not {to_text(value)}; ignored")
        return []
    layers: list[LayerSpec] = []
    for index, item in enumerate(value):
        if intrinsic_name(item) == "Ref" and str(item["Ref"]) in local:
            layers.append(local[str(item["Ref"])])
            continue
        if intrinsic_name(item) == "Fn::GetAtt":
            target = item["Fn::GetAtt"]
            name = target[0] if isinstance(target, list) else str(target).split(".")[0]
            if str(name) in local:
                layers.append(local[str(name)])
                continue
        arn = resolve(item, f"{where}.Layers[{index}]")
        if isinstance(arn, str) and arn.startswith("arn:"):
            layers.append(LayerSpec(arn, arn=arn))
        else:
            warn(f"layer {to_text(arn)} is neither a layer resource nor an ARN; ignored")
    if len(layers) > MAX_LAYERS:
        warn(f"{len(layers)} layers; Lambda allows at most {MAX_LAYERS} per function")
    return layers
