"""The runtime checks of the Layers API, as AWS words them (recorded): the model's Runtime enum
is checked by routes elsewhere (validation.CHECKED_BY_ROUTE), and for layers AWS prints its own
sets, in its own order. A value is valid if AWS knows the runtime at all (ListLayers' set, which
includes deprecated ones: AWS publishes layers for python3.7 still); PublishLayerVersion's
message lists only the runtimes of today."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.emulator import validation

KNOWN_RUNTIMES = (
    "ruby3.5, ruby2.6, dotnetcore1.0, python3.7, nodejs8.10, nasa, ruby2.7, python2.7-greengrass, "
    "dotnetcore2.0, python3.8, java21, dotnet6, dotnetcore2.1, python3.9, java11, nodejs6.10, "
    "provided, dotnetcore3.1, dotnet8, java25, java17, nodejs, nodejs4.3, java8.al2, go1.x, "
    "dotnet10, nodejs20.x, go1.9, byol, nodejs10.x, provided.al2023, nodejs22.x, python3.10, "
    "java8, nodejs12.x, python3.11, nodejs24.x, nodejs8.x, python3.12, nodejs14.x, nodejs8.9, "
    "nodejs26.x, python3.13, python3.14, nodejs16.x, python3.15, provided.al2, nodejs4.3-edge, "
    "nodejs18.x, ruby3.2, python3.4, ruby3.3, ruby3.4, ruby2.5, python3.6, python2.7"
)
PUBLISHED_RUNTIMES = (
    "nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, "
    "java25, python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, "
    "java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2"
)
_KNOWN = frozenset(KNOWN_RUNTIMES.split(", "))


def _enum_error(shown: str, member: str, allowed: str) -> str:
    return (
        f"Value '{shown}' at '{member}' failed to satisfy constraint: Member must satisfy enum "
        f"value set: [{allowed}]"
    )


def check_runtime_filter(query: Mapping[str, Any], errors: list[str]) -> None:
    """ListLayers' and ListLayerVersions' CompatibleRuntime."""
    value = query.get("CompatibleRuntime")
    if isinstance(value, str) and value not in _KNOWN:
        errors.insert(0, _enum_error(value, "compatibleRuntime", KNOWN_RUNTIMES))


def check_runtimes(body: Mapping[str, Any], errors: list[str]) -> None:
    """PublishLayerVersion's CompatibleRuntimes (AWS reports it before the architectures)."""
    value = body.get("CompatibleRuntimes")
    if isinstance(value, list) and any(item not in _KNOWN for item in value):
        shown = "[" + ", ".join(map(str, value)) + "]"
        errors.insert(0, _enum_error(shown, "compatibleRuntimes", PUBLISHED_RUNTIMES))


validation.EXTRA_CHECKS.update(
    {
        "ListLayers": check_runtime_filter,
        "ListLayerVersions": check_runtime_filter,
        "PublishLayerVersion": check_runtimes,
    }
)

# AWS prints the layer version ARN pattern without the model's outer parentheses.
validation.AWS_PATTERN_TEXT["LayerVersionArn"] = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}"
    r":layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)"
)
