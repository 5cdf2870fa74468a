"""A function's `Layers`: checked against the emulator's layer versions on CreateFunction and
UpdateFunctionConfiguration, and turned into the folders its environments see at /opt."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lamina.emulator.layers import LayerVersions, function_layer_arns
from lamina.emulator.model import VersionConfig
from lamina.runtime.opt_dir import LayerSource, OptDir, merged_opt

if TYPE_CHECKING:
    from lamina.emulator.api import Emulator


def check_function_layers(emu: Emulator, settings: dict[str, Any]) -> None:
    """Replace the request's `Layers` (ARNs) with what FunctionConfiguration shows
    ({Arn, CodeSize}), after AWS's checks (5 at most, one version per layer, they exist)."""
    echoed = settings.get("echoed") or {}
    given = echoed.get("Layers")
    if given is None or emu.layers is None:
        return
    echoed["Layers"] = emu.layers.resolve_for_function(list(given))


class FunctionLayerDirs:
    """The merged /opt of a stored function version (cached per layer set)."""

    def __init__(self, layers: LayerVersions, cache_dir: Path) -> None:
        self.layers = layers
        self.cache_dir = cache_dir

    def opt_for(self, config: VersionConfig) -> OptDir | None:
        arns = function_layer_arns(config.echoed)
        if not arns:
            return None
        sources = []
        for arn in arns:
            layer = self.layers.find_for_function(arn)
            if layer is None:
                continue  # not this emulator's layer (an AWS ARN): nothing to unpack
            folder = self.layers.store.unpacked_dir(layer.code_key)
            sources.append(LayerSource(folder, key=layer.code_key))
        return merged_opt(sources, self.cache_dir) if sources else None
