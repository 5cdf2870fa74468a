"""A function's `Layers`: checked against the emulator's layer versions on CreateFunction and
UpdateFunctionConfiguration, and turned into the folders its environments see at /opt.

A layer of another account (the public Powertools layers, a company's shared layer) can't be
checked here; it is taken as given, as AWS takes it when the account may use it, with its real
CodeSize once a download put it in the shared cache (0 before, and for Powertools, which comes
from PyPI: the emulator asks AWS nothing while it answers CreateFunction). Before the first
invoke it is fetched once, off the event loop, the way `lamina invoke` gets it: Powertools from
PyPI, any other with the credentials the emulator runs with (deploy/layer_download.py). When it
can't be, the log says so once, and the function runs without it (and fails as it would on
Lambda without it).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lamina.deploy.layer_download import LayerDownloader
from lamina.emulator.code_store import CodeStore
from lamina.emulator.errors import invalid
from lamina.emulator.layers import LayerVersions, function_layer_arns
from lamina.emulator.model import VersionConfig
from lamina.runtime.opt_dir import LayerSource, OptDir, merged_opt
from lamina.zip_archive.limits import MAX_UNZIPPED_BYTES

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from lamina.emulator.api import Emulator


def check_function_layers(emu: Emulator, settings: dict[str, Any]) -> None:
    """Replace the request's `Layers` (ARNs) with what FunctionConfiguration shows
    ({Arn, CodeSize}), after AWS's checks (5 at most, one version per layer, they exist)."""
    echoed = settings.get("echoed") or {}
    given = echoed.get("Layers")
    if given is None or emu.layers is None:
        return
    resolved = emu.layers.resolve_for_function(list(given))
    for item in resolved:  # another account's: its real size once it is in the shared cache
        if emu.layers.find_for_function(item["Arn"]) is None:
            sizes = _downloads().cached_sizes(item["Arn"])
            item["CodeSize"] = sizes[0] if sizes else item["CodeSize"]
    echoed["Layers"] = resolved


def _downloads() -> LayerDownloader:
    from lamina.runtime.package_set import cache_root

    return LayerDownloader(cache_root() / "layers")


def check_unzipped_total(emu: Emulator, code_key: str, settings_or_layers: Any) -> None:
    """AWS's limit on a function's code and its layers together, unzipped (250 MB): the sizes
    come from each stored zip's directory (no unpacking); other accounts' layers count once they
    are in the shared cache (the size their download recorded)."""
    if isinstance(settings_or_layers, dict):
        layers = (settings_or_layers.get("echoed") or {}).get("Layers")
    else:
        layers = [{"Arn": arn} for arn in function_layer_arns(settings_or_layers)]
    if not layers or emu.layers is None:
        return
    keys = [code_key]
    foreign = 0
    for item in layers:
        layer = emu.layers.find_for_function(str(item["Arn"]))
        if layer is not None:
            keys.append(layer.code_key)
        else:  # another account's: counted once it is in the shared cache
            sizes = _downloads().cached_sizes(str(item["Arn"]))
            foreign += sizes[1] if sizes else 0
    total = foreign + sum(_unzipped_size(emu.store.code, key) for key in keys)
    if total > MAX_UNZIPPED_BYTES:
        raise invalid(
            "Function code combined with layers exceeds the maximum allowed size of "
            f"{MAX_UNZIPPED_BYTES} bytes. The actual size is {total} bytes."
        )


@functools.lru_cache(maxsize=1024)
def _unzipped_size(code: CodeStore, key: str) -> int:
    """The unzipped size a stored zip declares (its content never changes: cached)."""
    return code.unzipped_size(key)


class FunctionLayerDirs:
    """The merged /opt of a stored function version (cached per layer set)."""

    def __init__(self, layers: LayerVersions, cache_dir: Path, python: str) -> None:
        self.layers = layers
        self.cache_dir = cache_dir
        self.python = python
        self._foreign: dict[str, Path | None] = {}  # ARN -> its folder (None: unavailable)

    async def prepare(self, config: VersionConfig) -> None:
        """Fetch the other accounts' layers of `config` not fetched yet (once each)."""
        for arn in function_layer_arns(config.echoed):
            if arn not in self._foreign and self.layers.find_for_function(arn) is None:
                self._foreign[arn] = await asyncio.to_thread(self._fetch, arn, config)

    def _fetch(self, arn: str, config: VersionConfig) -> Path | None:
        from lamina.pip_target import DependencyInstallError
        from lamina.runtime.package_set import cache_root, describe_interpreter
        from lamina.runtime.powertools_layer import is_powertools, powertools_layer

        try:
            if is_powertools(arn):
                return powertools_layer(arn, describe_interpreter(self.python))
            return LayerDownloader(cache_root() / "layers")(arn)
        except (RuntimeError, DependencyInstallError) as e:
            log.warning("%s: %s", config.function_name, e)
            return None

    def _cached(self, arn: str) -> Path | None:
        """Another account's layer already in the shared cache (a stat; nothing fetched): for
        a caller that didn't await `prepare` (a provisioned-concurrency warm-up)."""
        from lamina.runtime.package_set import InterpreterError, describe_interpreter
        from lamina.runtime.powertools_layer import cached_powertools, is_powertools

        try:
            if is_powertools(arn):
                return cached_powertools(arn, describe_interpreter(self.python))
            return _downloads().cached(arn)
        except (RuntimeError, OSError, InterpreterError):
            return None

    def opt_for(self, config: VersionConfig) -> OptDir | None:
        arns = function_layer_arns(config.echoed)
        if not arns:
            return None
        sources = []
        for arn in arns:
            layer = self.layers.find_for_function(arn)
            if layer is None:  # another account's: fetched by `prepare`, if it could be
                folder = self._foreign[arn] if arn in self._foreign else self._cached(arn)
                if folder is not None:  # a download or Powertools: it never changes
                    sources.append(LayerSource(folder, key=arn))
                continue
            folder = self.layers.store.unpacked_dir(layer.code_key)
            sources.append(LayerSource(folder, key=layer.code_key))
        return merged_opt(sources, self.cache_dir) if sources else None
