"""A Serverless Framework service's layers, applied to a local run as Lambda applies them.

    layers:
      common:
        path: layers/common          # holds python/..., unpacked into /opt as deployed
    provider:
      layers: [arn:aws:lambda:eu-west-1:123456789012:layer:shared:3]
    functions:
      create:
        handler: src/orders.create
        layers:
          - {Ref: CommonLambdaLayer}  # the framework's logical id: <Name>LambdaLayer

A function's own `layers` replace the provider's, as the framework does. A layer of the service
is named by `{Ref: <Name>LambdaLayer}` (or its ARN output's logical id), an ARN by its text; an
ARN runs when the `layers` setting maps it to a local folder (runtime/layers.py). Anything else
(`${cf:...}` left unresolved, a layer with no local `path`) gets one warning and is left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lamina.project.layers import MAX_LAYERS
from lamina.project.spec import LayerSpec


def layer_logical_id(name: str) -> str:
    """The framework's CloudFormation name for a layer: `common-deps` → `CommonDashdepsLambdaLayer`
    (its normalizeName: first letter upper, `-` as Dash, `_` as Underscore)."""
    normalized = name[:1].upper() + name[1:]
    normalized = normalized.replace("-", "Dash").replace("_", "Underscore")
    return f"{normalized}LambdaLayer"


def service_layers(layers: Any, service_dir: Path, warnings: list[str]) -> dict[str, LayerSpec]:
    """The service's `layers:` with a local `path`, by logical id (`CommonLambdaLayer`)."""
    found: dict[str, LayerSpec] = {}
    if not isinstance(layers, Mapping):
        if layers is not None:
            warnings.append("layers must be a mapping of layer names; ignored")
        return found
    for name, settings in layers.items():
        path = settings.get("path") if isinstance(settings, Mapping) else None
        if not isinstance(path, str) or not path.strip():
            warnings.append(f"layers.{name}: no path; layer left out of local runs")
            continue
        folder = (service_dir / path).resolve()
        if not folder.is_dir():
            warnings.append(f"layers.{name}: path {path} is not a folder; layer left out")
            continue
        logical_id = layer_logical_id(str(name))
        found[logical_id] = LayerSpec(logical_id, content_dir=folder)
    return found


_REF_ID = re.compile(r"^(?P<id>[A-Za-z0-9]+?)(?:LambdaLayerQualifiedArn)?$")


def function_layers(
    key: str,
    settings: Mapping[str, Any],
    provider: Mapping[str, Any],
    local: Mapping[str, LayerSpec],
    warnings: list[str],
) -> list[LayerSpec]:
    """The layers `functions.<key>` runs with, in order: its own, else the provider's."""
    value = settings.get("layers", provider.get("layers"))
    if value is None:
        return []
    if not isinstance(value, list):
        warnings.append(f"functions.{key}: layers must be a list; ignored")
        return []
    chosen: list[LayerSpec] = []
    for item in value:
        layer = _one_layer(item, local)
        if layer is None:
            warnings.append(
                f"functions.{key}: layer {item!r} is neither a layer of this service nor an "
                "ARN; left out"
            )
        else:
            chosen.append(layer)
    if len(chosen) > MAX_LAYERS:
        warnings.append(
            f"functions.{key}: {len(chosen)} layers; Lambda allows at most {MAX_LAYERS}"
        )
    return chosen


def _one_layer(item: Any, local: Mapping[str, LayerSpec]) -> LayerSpec | None:
    if isinstance(item, str):
        return LayerSpec(item, arn=item) if item.startswith("arn:") else None
    if isinstance(item, Mapping) and len(item) == 1:
        ((function, target),) = item.items()
        if function in ("Ref", "Fn::GetAtt") and isinstance(target, (str, list)):
            name = target if isinstance(target, str) else str(target[0])
            match = _REF_ID.match(name)
            if match is not None and match.group("id") + "LambdaLayer" in local:
                return local[match.group("id") + "LambdaLayer"]
            if name in local:
                return local[name]
    return None
