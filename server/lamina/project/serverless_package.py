"""What the framework packages for a serverless.yml function, where a local run would differ.

Lamina runs a function from the service folder's sources. Deployed, it runs what the framework
packaged: the folder filtered by `package.patterns` (the service's, then the function's, in
order: `!glob` leaves files out, `glob` puts them back), or a prebuilt `package.artifact`
(its `layers` are applied locally too: serverless_layers). Where that differs from a local run in a way the handler would notice, one
warning says so: a handler file the patterns leave out would not import on Lambda.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any


def package_warnings(
    key: str, settings: Mapping[str, Any], service_package: Any, handler_file: str
) -> list[str]:
    """Warnings for function `key`, whose handler lives in `handler_file` (service-relative)."""
    function_package = settings.get("package")
    packages = [p for p in (service_package, function_package) if isinstance(p, Mapping)]
    warnings: list[str] = []
    artifact = next((p["artifact"] for p in reversed(packages) if p.get("artifact")), None)
    if artifact is not None:
        warnings.append(
            f"functions.{key}: package.artifact {artifact} is not run; Lamina runs the "
            "service folder's sources"
        )
        return warnings
    patterns = [str(p) for package in packages for p in package.get("patterns") or []]
    excluding = _excluding_pattern(handler_file, patterns)
    if excluding is not None:
        warnings.append(
            f"functions.{key}: {handler_file} is left out by package.patterns '{excluding}': "
            "deployed, the handler would not import"
        )
    return warnings


def _excluding_pattern(path: str, patterns: list[str]) -> str | None:
    """The `!pattern` that leaves `path` out of the package, or None when it is packaged."""
    excluded_by: str | None = None
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _glob(pattern[1:] if negated else pattern).match(path.lstrip("./")):
            excluded_by = pattern if negated else None
    return excluded_by


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """A glob as the framework (micromatch) reads it: `**` any folders, `*` and `?` within one."""
    pattern = pattern.lstrip("./")
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")
