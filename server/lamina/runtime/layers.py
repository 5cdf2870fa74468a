"""A function's layers on its import path, where Lambda's /opt would put them.

Lambda unpacks every layer into one /opt, a later layer's file replacing an earlier one's, and
puts `/opt/python/lib/python3.X/site-packages` then `/opt/python` on sys.path. Without a merged
/opt (namespaces: not yet), each layer's folders stand in, the later layers first within each
of the two groups, so that a later layer's module wins as its file would:

    L2/python/lib/python3.X/site-packages, L1/python/lib/python3.X/site-packages,
    L2/python, L1/python

A layer with `Metadata.BuildMethod: python3.X` is built as SAM builds it: its folder and its
requirements.txt (installed once per content and interpreter into the project's cache) both
land in the layer's python/. An ARN layer uses the folder the `layers` setting maps it to; the
public Powertools for AWS Lambda (Python) layers come from PyPI instead (powertools_layer.py);
any other unmapped ARN: the function is told once that it runs without it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from lamina.pip_target import pip_install_once
from lamina.project.spec import LayerSpec
from lamina.runtime.package_set import describe_interpreter
from lamina.runtime.powertools_layer import is_powertools, powertools_layer


def layer_paths(
    layers: list[LayerSpec],
    python: str,
    cache_dir: Path,
    mapped: Mapping[str, object] | None = None,
) -> tuple[tuple[Path, ...], list[str]]:
    """The folders standing for /opt on sys.path, in Lambda's order, and what to warn about.
    Raises DependencyInstallError when a layer's requirements can't be installed."""
    version = describe_interpreter(python).version
    site_level: list[Path] = []
    python_level: list[Path] = []
    warnings: list[str] = []
    for layer in reversed(layers):  # the last layer wins in the merged /opt
        root = _root(layer, python, mapped)
        if root is None:
            warnings.append(
                f"layer {layer.name} is not available locally: the function runs without it "
                "(map its ARN to a folder in the layers setting)"
            )
            continue
        if layer.build_method is not None:
            python_level.append(root)
            requirements = layer.requirements_file
            if requirements is not None:
                python_level.append(_installed(requirements, python, version, cache_dir))
            continue
        site_level.append(root / "python" / "lib" / f"python{version}" / "site-packages")
        python_level.append(root / "python")
    found = tuple(path for path in (*site_level, *python_level) if path.is_dir())
    return found, warnings


def layer_roots(
    layers: list[LayerSpec], python: str, mapped: Mapping[str, object] | None = None
) -> tuple[Path, ...]:
    """The folders Lambda would unpack into /opt, in the function's order (the last wins): what
    extensions (`extensions/`) and wrappers (`/opt/...`) are found in (runtime/opt_files.py).
    A BuildMethod layer has none: SAM's build puts all of it under python/."""
    roots = (_root(layer, python, mapped) for layer in layers if layer.build_method is None)
    return tuple(root for root in roots if root is not None and root.is_dir())


def _root(layer: LayerSpec, python: str, mapped: Mapping[str, object] | None) -> Path | None:
    root = layer.content_dir
    if root is None and layer.arn is not None and mapped and mapped.get(layer.arn):
        root = Path(str(mapped[layer.arn])).expanduser()
    if root is None and layer.arn is not None and is_powertools(layer.arn):
        root = powertools_layer(layer.arn, describe_interpreter(python))
    return root


def _installed(requirements: Path, python: str, version: str, cache_dir: Path) -> Path:
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"\0layer\0{python}\0{version}".encode())
    return pip_install_once(
        cache_dir / f"layer-{digest.hexdigest()[:16]}",
        python,
        ["-r", str(requirements)],
        f"{requirements}: pip install failed",
        cwd=requirements.parent,
    )
