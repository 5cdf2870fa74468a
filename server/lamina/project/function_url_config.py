"""A function's `FunctionUrlConfig` in one normal shape (CreateFunctionUrlConfig's AuthType,
Cors, InvokeMode, with AWS's defaults filled in and empty Cors fields left out), so that two
configs compare equal when they mean the same URL: the template reader stores it on the
FunctionSpec, sync compares it with what the target has."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CORS_FIELDS = (
    "AllowCredentials",
    "AllowHeaders",
    "AllowMethods",
    "AllowOrigins",
    "ExposeHeaders",
    "MaxAge",
)

UrlConfig = dict[str, Any]


def _cors(raw: Any) -> dict[str, Any]:
    """A Cors mapping without its empty fields (what AWS leaves out of its answers)."""
    if not isinstance(raw, Mapping):
        return {}
    return {key: raw[key] for key in CORS_FIELDS if raw.get(key) not in (None, [], False)}


def normal_url_config(config: Mapping[str, Any]) -> UrlConfig:
    return {
        "AuthType": str(config.get("AuthType") or "NONE"),
        "Cors": _cors(config.get("Cors")),
        "InvokeMode": str(config.get("InvokeMode") or "BUFFERED"),
    }


def url_config_of(resolved: Any) -> UrlConfig | None:
    """The normal config of a resolved FunctionUrlConfig property, None when there is none."""
    return normal_url_config(resolved) if isinstance(resolved, Mapping) else None
