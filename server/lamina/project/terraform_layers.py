"""A Terraform function's `layers`, applied to a local run as Lambda applies them.

    data "archive_file" "deps" { source_dir = "${path.module}/layers/deps" ... }
    resource "aws_lambda_layer_version" "deps" {
      layer_name = "deps"
      filename   = data.archive_file.deps.output_path
    }
    resource "aws_lambda_function" "orders" {
      layers = [aws_lambda_layer_version.deps.arn, "arn:aws:lambda:...:layer:shared:3"]
    }

A layer version of the configuration runs from the folder its archive_file zips (unpacked
into /opt, so it holds `python/...`); an ARN runs when the `layers` setting maps it to a
folder. Anything else gets one warning and is left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lamina.project.layers import MAX_LAYERS
from lamina.project.spec import LayerSpec

LAYER_RESOURCE = "aws_lambda_layer_version"
_REFERENCE = re.compile(rf"^\$\{{{LAYER_RESOURCE}\.([\w-]+)\.(?:arn|id|layer_arn)\}}$")

# filename (as written) -> the folder it zips, or None (the reader warns why)
FolderOf = Callable[[Any, str], "Path | None"]


def layer_versions(
    documents: Sequence[tuple[Path, Mapping[str, Any]]],
) -> dict[str, Mapping[str, Any]]:
    """Every aws_lambda_layer_version resource of the configuration, by name."""
    found: dict[str, Mapping[str, Any]] = {}
    for _path, document in documents:
        for entry in document.get("resource") or []:
            versions = entry.get(LAYER_RESOURCE) if isinstance(entry, Mapping) else None
            if isinstance(versions, Mapping):
                found.update(versions)
    return found


def function_layers(
    raw: Any,
    address: str,
    versions: Mapping[str, Mapping[str, Any]],
    resolve: Callable[[Any, str], Any],
    folder_of: FolderOf,
    warnings: list[str],
) -> list[LayerSpec]:
    """The layers `address` runs with, in order."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        warnings.append(f"{address}: layers must be a list; ignored")
        return []
    chosen: list[LayerSpec] = []
    for index, item in enumerate(raw):
        reference = _REFERENCE.match(str(item).strip())
        if reference is not None:
            name = reference.group(1)
            body = versions.get(name)
            where = f"{LAYER_RESOURCE}.{name}"
            folder = folder_of(body.get("filename"), where) if isinstance(body, Mapping) else None
            if folder is None:
                warnings.append(f"{address}: layer {where} has no local folder; left out")
                continue
            chosen.append(LayerSpec(where, content_dir=folder))
            continue
        value = resolve(item, f"{address}.layers[{index}]")
        if isinstance(value, str) and value.startswith("arn:") and "${" not in value:
            chosen.append(LayerSpec(value, arn=value))
        else:
            warnings.append(f"{address}: layer {item} is not known locally; left out")
    if len(chosen) > MAX_LAYERS:
        warnings.append(f"{address}: {len(chosen)} layers; Lambda allows at most {MAX_LAYERS}")
    return chosen
