"""`--env-vars FILE`: environment overrides in SAM's format, or a flat object."""

from __future__ import annotations

import json
from pathlib import Path

from lamina.project.spec import FunctionSpec, ProjectError


def load_env_overrides(path: Path, spec: FunctionSpec) -> dict[str, str]:
    """SAM's form is {"Parameters": {...}, "<LogicalId>": {...}}: Parameters apply to every
    function, and the function's own entry wins. A flat {"NAME": "value"} object applies as is."""
    try:
        data = json.loads(path.read_text())
    except OSError as e:
        raise ProjectError(f"cannot read the env vars file: {e.strerror}", path) from None
    except ValueError as e:
        line = getattr(e, "lineno", None)
        raise ProjectError(f"invalid JSON: {e}", path, line) from None
    if not isinstance(data, dict):
        raise ProjectError("the env vars file must hold a JSON object", path)
    if any(isinstance(v, dict) for v in data.values()):
        merged: dict[str, object] = {}
        for key in ("Parameters", spec.logical_id, spec.function_name):
            section = data.get(key)
            if isinstance(section, dict):
                merged.update(section)
        return {str(k): _env_value(v) for k, v in merged.items()}
    return {str(k): _env_value(v) for k, v in data.items()}


def _env_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)
