"""The VS Code extension declares every `lamina.*` setting the server reads, with the server's
type and effective default, so VS Code's defaults (which it sends to `workspace/configuration`)
never trip the server's validation or change its behaviour."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lamina.deploy.sync_settings import DEFAULT_PROTECTED_ALIASES
from lamina.lsp.settings import CLIENT_KEYS, SPECS, LaminaSettings, unknown_keys, validate_settings

PACKAGE = Path(__file__).resolve().parents[2] / "client-vscode" / "package.json"
JSON_TYPES = {
    "string": {"string"},
    "bool": {"boolean"},
    "int": {"integer"},
    "number": {"number"},
    "choice": {"string"},
    "string-map": {"object"},
    "string-list": {"array"},
}
# Defaults the server resolves elsewhere when the setting is unset.
EFFECTIVE_DEFAULTS: dict[str, Any] = {"sync.protectedAliases": list(DEFAULT_PROTECTED_ALIASES)}
EXTENSION_ONLY = {f"lamina.{key}" for key in CLIENT_KEYS}


def declared() -> dict[str, dict[str, Any]]:
    properties = json.loads(PACKAGE.read_text())["contributes"]["configuration"]["properties"]
    assert isinstance(properties, dict)
    return properties


def test_every_server_setting_is_declared_with_its_type_and_default() -> None:
    properties = declared()
    assert set(properties) - {f"lamina.{s.key}" for s in SPECS} == EXTENSION_ONLY
    for spec in SPECS:
        prop = properties[f"lamina.{spec.key}"]
        types = set(prop["type"]) if isinstance(prop["type"], list) else {prop["type"]}
        assert JSON_TYPES[spec.kind] <= types, spec.key
        expected = EFFECTIVE_DEFAULTS.get(spec.key, spec.default)
        default = prop["default"]
        if spec.kind == "string" and expected is None:
            assert default == "", spec.key  # an empty string is unset for the server
        elif isinstance(expected, tuple):
            assert default == list(expected), spec.key
        else:
            assert default == expected, spec.key
        if spec.kind == "choice":
            assert prop["enum"] == list(spec.choices), spec.key
        assert prop.get("markdownDescription") or prop.get("description"), spec.key


def test_the_extensions_defaults_validate_cleanly() -> None:
    properties = declared()
    nested: dict[str, Any] = {}
    for key, prop in properties.items():
        parts = key.removeprefix("lamina.").split(".")
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = prop["default"]
    assert unknown_keys(nested) == []  # the extension's own keys are not reported as unknown
    settings, problems = validate_settings(nested)
    assert problems == []
    assert isinstance(settings, LaminaSettings)
    assert settings.get("debug.suspendTimeout") is True
    assert settings.get("sync.onSave") is None
