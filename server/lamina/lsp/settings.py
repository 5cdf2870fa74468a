"""The `lamina` settings (DESIGN.md, Interfaces), validated.

They arrive as the editor sends them: nested objects (`{"sync": {"target": "aws"}}`) or dotted
keys (`{"sync.target": "aws"}`). Each value is checked; a bad one is reported (one line, for the
user) and replaced by its default. No pygls here: this is plain data.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SettingSpec:
    key: str
    kind: str  # string | bool | int | number | choice | string-map | string-list
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("python", "string"),
    SettingSpec("defaultEvent", "string"),
    SettingSpec("runtimeClient", "choice", "lamina", ("lamina", "awslambdaric")),
    SettingSpec("emulator.endpoint", "string"),
    SettingSpec("emulator.autoStart", "bool", False),
    SettingSpec("sync.target", "choice", "emulator", ("emulator", "aws")),
    SettingSpec("sync.onSave", "bool"),  # unset: on for the emulator, off for aws
    SettingSpec("sync.functions", "string-map", {}),
    SettingSpec("sync.stackName", "string"),
    SettingSpec("sync.profile", "string"),
    SettingSpec("sync.region", "string"),
    SettingSpec("sync.publish", "bool", False),
    SettingSpec("sync.alias", "string"),
    SettingSpec("sync.protectedAliases", "string-list", ()),
    SettingSpec("sync.s3Bucket", "string"),
    SettingSpec("debug.port", "int", 0, minimum=0, maximum=65535),
    SettingSpec("debug.waitForClient", "bool", True),
    SettingSpec("debug.suspendTimeout", "bool", True),
    SettingSpec("credentials.profile", "string"),
    SettingSpec("credentials.assumeRole", "string"),
    SettingSpec("interpreters", "string-map", {}),
    SettingSpec("strictRuntime", "bool", False),
    SettingSpec("layers", "string-map", {}),
    SettingSpec("efs", "string-map", {}),
    # Bytes above which a file gets no lenses or diagnostics (parsing it could exhaust memory).
    SettingSpec("lsp.maxFileSize", "int", 2 * 1024 * 1024, minimum=0),
    SettingSpec("template", "string"),  # the project file, relative to the workspace root
    # Terraform's -var-file files, relative to the workspace root, later ones winning.
    SettingSpec("terraform.varFiles", "string-list", ()),
    SettingSpec("durable.skipTime", "bool", False),  # durable functions: waits end at once
    # The API's port when a command names none (a route lens starting it, as Start API does).
    SettingSpec("api.port", "int", 3000, minimum=0, maximum=65535),
)
_BY_KEY = {spec.key: spec for spec in SPECS}
# Keys of the `lamina` section that only Lamina's VS Code extension reads.
CLIENT_KEYS = frozenset({"installSource", "trace.server"})


@dataclass(frozen=True)
class LaminaSettings:
    """Validated settings by dotted key; every key of SPECS is present."""

    values: Mapping[str, Any] = field(default_factory=lambda: {s.key: s.default for s in SPECS})

    def get(self, key: str) -> Any:
        return self.values.get(key, _BY_KEY[key].default if key in _BY_KEY else None)

    def text(self, key: str) -> str | None:
        value = self.get(key)
        return str(value) if value not in (None, "") else None

    @property
    def runtime_client(self) -> str:
        return str(self.get("runtimeClient"))


def flatten(raw: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys for nested objects; maps that are settings themselves stay whole."""
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        spec = _BY_KEY.get(dotted)
        if isinstance(value, Mapping) and (spec is None or spec.kind != "string-map"):
            flat.update(flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def _check(spec: SettingSpec, value: Any) -> tuple[Any, str | None]:
    """(the value to use, a problem or None)."""
    if value is None:
        return spec.default, None
    shown = repr(value)
    expected: str | None = None
    if spec.kind == "string":
        if isinstance(value, str):
            return (value.strip() or None), None
        expected = "a string"
    elif spec.kind == "bool":
        if isinstance(value, bool):
            return value, None
        expected = "true or false"
    elif spec.kind in ("int", "number"):
        number_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if number_ok and (spec.kind == "number" or float(value).is_integer()):
            low = spec.minimum if spec.minimum is not None else float("-inf")
            high = spec.maximum if spec.maximum is not None else float("inf")
            if low <= value <= high:
                return (int(value) if spec.kind == "int" else value), None
        expected = "a whole number" if spec.kind == "int" else "a number"
        if spec.minimum is not None and spec.maximum is not None:
            expected += f" from {spec.minimum:g} to {spec.maximum:g}"
    elif spec.kind == "choice":
        if value in spec.choices:
            return value, None
        expected = " or ".join(f'"{choice}"' for choice in spec.choices)
    elif spec.kind == "string-map":
        if isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values()):
            return {str(k): v for k, v in value.items()}, None
        expected = "an object of strings"
    elif spec.kind == "string-list":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value), None
        expected = "a list of strings"
    default = "unset" if spec.default in (None, (), {}) else repr(spec.default)
    return spec.default, f"lamina.{spec.key} must be {expected}, not {shown}; using {default}"


def _check_python(value: str, root: Path | None) -> str | None:
    candidate = Path(value).expanduser()
    if not candidate.is_absolute() and os.sep not in value and "/" not in value:
        import shutil  # here: it costs start-up time otherwise

        return shutil.which(value)
    if not candidate.is_absolute() and root is not None:
        candidate = root / candidate
    return str(candidate) if candidate.is_file() and os.access(candidate, os.X_OK) else None


def validate_settings(
    raw: Mapping[str, Any] | None, root: Path | None = None, base: Mapping[str, Any] | None = None
) -> tuple[LaminaSettings, list[str]]:
    """Settings from the editor's `raw` object over `base` (pyproject's [tool.lamina]), and the
    problems found, one line each. `python` is resolved to an executable path."""
    merged = flatten(base or {})
    merged.update(flatten(raw or {}))
    values: dict[str, Any] = {}
    problems: list[str] = []
    for spec in SPECS:
        value, problem = _check(spec, merged.get(spec.key))
        if problem:
            problems.append(problem)
        values[spec.key] = value
    python = values.get("python")
    if python:
        resolved = _check_python(python, root)
        if resolved is None:
            problems.append(
                f"lamina.python: no Python interpreter at {python!r}; using the server's own"
            )
        values["python"] = resolved
    return LaminaSettings(values), problems


def unknown_keys(raw: Mapping[str, Any] | None) -> list[str]:
    return sorted(
        key for key in flatten(raw or {}) if key not in _BY_KEY and key not in CLIENT_KEYS
    )
