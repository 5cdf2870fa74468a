"""The settings sync reads (DESIGN.md, Interfaces: `emulator.*`, `sync.*`, `python`).

They come from the editor (the language server's validated settings) or from `[tool.lamina]`
in pyproject.toml (the CLI), as nested tables or dotted keys; `from_mapping` takes either.
"""

from __future__ import annotations

import dataclasses
import enum
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_PROTECTED_ALIASES = ("prod", "production", "live")
DEFAULT_DEBOUNCE_S = 0.15


class SyncTarget(str, enum.Enum):
    EMULATOR = "emulator"
    AWS = "aws"


@dataclass(frozen=True)
class SyncSettings:
    target: SyncTarget = SyncTarget.EMULATOR
    on_save: bool | None = None  # None: on for the emulator, off for AWS
    emulator_endpoint: str | None = None
    emulator_auto_start: bool = False
    functions: Mapping[str, str] = field(default_factory=dict)  # logical id -> AWS name
    stack_name: str | None = None
    profile: str | None = None
    region: str | None = None
    publish: bool = False
    alias: str | None = None
    protected_aliases: tuple[str, ...] = DEFAULT_PROTECTED_ALIASES
    s3_bucket: str | None = None
    python: str | None = None  # the interpreter handlers run on (dependencies for the emulator)
    name_prefix: str | None = None  # put before the names of functions sync makes on the emulator
    force: bool = False  # deploy over another project's function on a shared emulator (--force)

    @property
    def auto_sync(self) -> bool:
        """Whether saves deploy by themselves (`sync.onSave`, defaulting per target)."""
        if self.on_save is not None:
            return self.on_save
        return self.target is SyncTarget.EMULATOR

    def replace(self, **changes: Any) -> SyncSettings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> SyncSettings:
        """Settings from nested (`{"sync": {"target": "aws"}}`) or dotted keys. Unknown keys
        are ignored; a value of the wrong type raises ValueError naming the key."""
        flat = _flatten(values)

        def text(key: str) -> str | None:
            value = flat.get(key)
            if value is None or value == "":
                return None
            if not isinstance(value, str):
                raise ValueError(f"setting {key} must be a string, not {value!r}")
            return value.strip() or None

        def flag(key: str, default: bool | None) -> bool | None:
            value = flat.get(key)
            if value is None:
                return default
            if not isinstance(value, bool):
                raise ValueError(f"setting {key} must be true or false, not {value!r}")
            return value

        target = text("sync.target") or SyncTarget.EMULATOR.value
        if target not in (t.value for t in SyncTarget):
            raise ValueError(f'setting sync.target must be "emulator" or "aws", not {target!r}')
        functions = flat.get("sync.functions") or {}
        if not isinstance(functions, Mapping) or not all(
            isinstance(v, str) for v in functions.values()
        ):
            raise ValueError("setting sync.functions must map logical ids to function names")
        protected = flat.get("sync.protectedAliases")
        if protected is None or protected == ():
            protected_aliases = DEFAULT_PROTECTED_ALIASES
        elif isinstance(protected, (list, tuple)) and all(isinstance(a, str) for a in protected):
            protected_aliases = tuple(protected)
        else:
            raise ValueError("setting sync.protectedAliases must be a list of alias names")
        return cls(
            target=SyncTarget(target),
            on_save=flag("sync.onSave", None),
            emulator_endpoint=text("emulator.endpoint"),
            emulator_auto_start=bool(flag("emulator.autoStart", False)),
            functions={str(k): v for k, v in functions.items()},
            stack_name=text("sync.stackName"),
            profile=text("sync.profile"),
            region=text("sync.region"),
            publish=bool(flag("sync.publish", False)),
            alias=text("sync.alias"),
            protected_aliases=protected_aliases,
            s3_bucket=text("sync.s3Bucket"),
            python=text("python"),
            name_prefix=text("sync.namePrefix"),
        )


_WHOLE_MAPS = frozenset({"sync.functions"})


def _flatten(raw: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and dotted not in _WHOLE_MAPS:
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def sync_python(settings: SyncSettings, project_root: Path) -> str:
    """The interpreter sync builds dependencies with: the `python` setting (a relative path is
    the project's, as for runs), else Lamina's own."""
    from lamina.project.folder_settings import interpreter_path

    return interpreter_path(settings.python, project_root) if settings.python else sys.executable
