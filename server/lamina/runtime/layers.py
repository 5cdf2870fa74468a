"""A function's layers, merged into one /opt as Lambda merges them (runtime/opt_dir.py).

Lambda unpacks every layer into one /opt, a later layer's file replacing an earlier one's, and
puts `/opt/python/lib/python3.X/site-packages` then `/opt/python` on sys.path. Lamina builds that
/opt as one view per layer set; the sandbox binds it at /opt, and sys.path names the view.

A layer with `Metadata.BuildMethod: python3.X` is built as SAM builds it: its folder and its
requirements.txt (installed once per content and interpreter into the project's cache) both
land in the layer's python/. An ARN layer uses the folder the `layers` setting maps it to; the
public Powertools for AWS Lambda (Python) layers come from PyPI instead (powertools_layer.py);
any other ARN is downloaded once with the user's credentials (deploy/layer_download.py, handed
in as `download`); when it can't be, the function is told once that it runs without it, and why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lamina.cache_counters import count
from lamina.pip_target import pip_install_once
from lamina.project.spec import LayerSpec
from lamina.runtime.opt_dir import LayerSource, OptDir, merged_opt, opt_sys_path
from lamina.runtime.package_set import describe_interpreter
from lamina.runtime.powertools_layer import is_powertools, powertools_layer

# An ARN -> the folder of its content, downloaded once; raises RuntimeError (one line, naming
# the ARN and the ways out) when it can't be.
Download = Callable[[str], Path]


@dataclass(frozen=True)
class FunctionLayers:
    opt: OptDir | None
    paths: tuple[Path, ...]  # the /opt entries of sys.path, in Lambda's order
    warnings: list[str]

    def config_fields(self) -> dict[str, object]:
        """FunctionConfig's fields for these layers. The merged view is where extensions
        (`/opt/extensions/`) and exec wrappers (`/opt/...`) are found too, a later layer's
        file winning as on Lambda (runtime/opt_files.py)."""
        opt_roots = () if self.opt is None else (self.opt.path,)
        return {"layer_paths": self.paths, "opt": self.opt, "opt_roots": opt_roots}


def function_layers(
    layers: list[LayerSpec],
    python: str,
    cache_dir: Path,
    mapped: Mapping[str, object] | None = None,
    download: Download | None = None,
) -> FunctionLayers:
    """The function's /opt and its sys.path entries, and what to warn about. Raises
    DependencyInstallError when a layer's requirements can't be installed."""
    interpreter = describe_interpreter(python)
    version = interpreter.version
    sources: list[LayerSource] = []
    warnings: list[str] = []
    for layer in layers:
        root = layer.content_dir
        key = None  # set for content that never changes: the view needn't walk it
        if root is None and layer.arn is not None and mapped and mapped.get(layer.arn):
            root = Path(str(mapped[layer.arn])).expanduser()
        if root is None and layer.arn is not None and is_powertools(layer.arn):
            root = powertools_layer(layer.arn, interpreter)
            key = root.name
        if root is None and layer.arn is not None and download is not None:
            try:
                root = download(layer.arn)
            except RuntimeError as e:
                warnings.append(str(e))
                continue
            key = layer.arn
        if root is None:
            warnings.append(
                f"layer {layer.name} is not available locally: the function runs without it "
                "(map its ARN to a folder in the layers setting)"
            )
            continue
        if layer.build_method is not None:
            sources.append(LayerSource(root, under="python"))
            requirements = layer.requirements_file
            if requirements is not None:
                installed = _installed(requirements, python, version, cache_dir)
                # Named by its requirements' hash, it never changes: no need to walk it again.
                sources.append(LayerSource(installed, under="python", key=installed.name))
            continue
        sources.append(LayerSource(root, key=key))
    opt = merged_opt(sources, cache_dir / "opt")
    return FunctionLayers(opt, opt_sys_path(opt, version), warnings)


def layer_paths(
    layers: list[LayerSpec],
    python: str,
    cache_dir: Path,
    mapped: Mapping[str, object] | None = None,
) -> tuple[tuple[Path, ...], list[str]]:
    """The folders standing for /opt on sys.path, and what to warn about."""
    found = function_layers(layers, python, cache_dir, mapped)
    return found.paths, found.warnings


def _installed(requirements: Path, python: str, version: str, cache_dir: Path) -> Path:
    count("requirements hash")
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"\0layer\0{python}\0{version}".encode())
    return pip_install_once(
        cache_dir / f"layer-{digest.hexdigest()[:16]}",
        python,
        ["-r", str(requirements)],
        f"{requirements}: pip install failed",
        cwd=requirements.parent,
    )
