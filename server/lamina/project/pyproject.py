"""Read `[tool.lamina]` from pyproject.toml: functions and settings.

    [tool.lamina]
    python = ".venv/bin/python"

    [tool.lamina.functions.Hello]
    handler = "app.handler"          # required
    code_uri = "src"                 # or code-uri; default "." (relative to pyproject.toml)
    timeout = 10
    memory_size = 256                # or memory
    environment = { TABLE = "t" }

Keys may be spelled with `-` or `_`. TOML is read with tomllib (Python 3.11+), else `tomli`.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamina.project.architectures import architectures_error
from lamina.project.cfn_values import to_text
from lamina.project.spec import (
    DEFAULT_MEMORY_MB,
    DEFAULT_ROLE,
    DEFAULT_TIMEOUT_S,
    LOCAL_RUNTIME,
    FunctionSpec,
    ProjectError,
)

PYPROJECT_FILE_NAME = "pyproject.toml"
_KEY_ALIASES = {"memory": "memory_size"}
_KNOWN_KEYS = {
    "handler",
    "code_uri",
    "function_name",
    "runtime",
    "timeout",
    "memory_size",
    "environment",
    "role",
    "architectures",
}
_TOML_LINE = re.compile(r"line (\d+)")


def _toml_loads() -> tuple[Callable[[str], dict[str, Any]], type[Exception]]:
    for module_name in ("tomllib", "tomli"):  # tomli: the same parser, for Python 3.10
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        loads: Callable[[str], dict[str, Any]] = module.loads
        error: type[Exception] = module.TOMLDecodeError
        return loads, error
    raise ProjectError("reading pyproject.toml needs Python 3.11+ or the 'tomli' package")


def load_pyproject(path: Path) -> dict[str, Any]:
    """The parsed pyproject.toml. Raises ProjectError (with the line) when it is invalid."""
    loads, decode_error = _toml_loads()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError(f"cannot read: {error}", path) from None
    try:
        return loads(text)
    except decode_error as error:
        match = _TOML_LINE.search(str(error))
        line = int(match.group(1)) if match else None
        raise ProjectError(f"invalid TOML: {error}", path, line) from None


def lamina_table(document: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """The `[tool.lamina]` table of a parsed pyproject.toml ({} when absent)."""
    tool = document.get("tool", {})
    table = tool.get("lamina", {}) if isinstance(tool, Mapping) else {}
    if not isinstance(table, dict):
        raise ProjectError("[tool.lamina] must be a table", path)
    return table


def read_lamina_settings(root: Path) -> dict[str, object]:
    """The `[tool.lamina]` table minus `functions` ({} without pyproject.toml)."""
    path = root / PYPROJECT_FILE_NAME
    if not path.is_file():
        return {}
    return settings_from_table(lamina_table(load_pyproject(path), path))


def settings_from_table(table: Mapping[str, Any]) -> dict[str, object]:
    return {key: value for key, value in table.items() if key != "functions"}


@dataclass
class PyprojectFunctions:
    path: Path
    functions: list[FunctionSpec] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _header_line(text: str, name: str) -> int | None:
    """The line of `[tool.lamina.functions.<name>]`, when the function is written that way."""
    quoted = rf"(?:{re.escape(name)}|\"{re.escape(name)}\"|'{re.escape(name)}')"
    pattern = re.compile(rf"^\s*\[\s*tool\s*\.\s*lamina\s*\.\s*functions\s*\.\s*{quoted}\s*\]")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def _normalized(table: Mapping[str, Any]) -> dict[str, Any]:
    normalized: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        normalized[_KEY_ALIASES.get(name, name)] = value
    return normalized


def _function_spec(
    name: str, table: Mapping[str, Any], path: Path, line: int | None, warnings: list[str]
) -> FunctionSpec:
    where = f"[tool.lamina.functions.{name}]"

    def fail(message: str) -> ProjectError:
        return ProjectError(f"{where}: {message}", path, line)

    values = _normalized(table)
    for key in sorted(values.keys() - _KNOWN_KEYS):
        warnings.append(f"{where}: unknown key '{key}' (ignored)")

    handler = values.get("handler")
    if handler is None:
        raise fail("'handler' is missing (expected something like 'app.lambda_handler')")
    if not isinstance(handler, str) or not handler.strip():
        raise fail(f"'handler' must be a string like 'app.lambda_handler', not {handler!r}")

    def text(key: str, default: str) -> str:
        value = values.get(key, default)
        if not isinstance(value, str):
            raise fail(f"'{key}' must be a string, not {value!r}")
        return value

    def integer(key: str, default: int) -> int:
        value = values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(f"'{key}' must be a whole number, not {value!r}")
        return value

    runtime = text("runtime", LOCAL_RUNTIME)
    if not runtime.startswith("python"):
        raise fail(f"runtime '{runtime}' is not a Python runtime")
    environment = values.get("environment", {})
    if not isinstance(environment, Mapping):
        raise fail(f"'environment' must be a table, not {environment!r}")
    architectures = values.get("architectures", ["x86_64"])
    if isinstance(architectures, str):
        architectures = [architectures]
    if not isinstance(architectures, list) or not all(isinstance(a, str) for a in architectures):
        raise fail(f"'architectures' must be a list of strings, not {architectures!r}")
    architecture_error = architectures_error(architectures)
    if architecture_error:
        raise fail(architecture_error)

    return FunctionSpec(
        logical_id=name,
        handler=handler.strip(),
        code_dir=Path(os.path.normpath(path.parent / text("code_uri", "."))),
        function_name=text("function_name", name),
        runtime=runtime,
        timeout=integer("timeout", DEFAULT_TIMEOUT_S),
        memory_size=integer("memory_size", DEFAULT_MEMORY_MB),
        environment={str(key): to_text(value) for key, value in environment.items()},
        role=text("role", DEFAULT_ROLE),
        architectures=list(architectures),
        source="pyproject",
        source_path=path,
        source_line=line,
    )


def functions_from_table(table: Mapping[str, Any], path: Path) -> PyprojectFunctions:
    """The functions of a `[tool.lamina]` table read from `path`."""
    path = Path(os.path.abspath(path))
    result = PyprojectFunctions(path=path)
    functions = table.get("functions", {})
    if not isinstance(functions, Mapping):
        raise ProjectError("[tool.lamina.functions] must be a table of functions", path)
    text = path.read_text(encoding="utf-8") if functions else ""
    for name, function_table in functions.items():
        line = _header_line(text, name)
        if not isinstance(function_table, Mapping):
            message = f"[tool.lamina.functions.{name}] must be a table with at least 'handler'"
            raise ProjectError(message, path, line)
        result.functions.append(_function_spec(name, function_table, path, line, result.warnings))
    return result


def read_pyproject_functions(root: Path) -> PyprojectFunctions:
    """The functions in `root`/pyproject.toml (none when the file or the table is absent)."""
    path = root / PYPROJECT_FILE_NAME
    if not path.is_file():
        return PyprojectFunctions(path=Path(os.path.abspath(path)))
    return functions_from_table(lamina_table(load_pyproject(path), path), path)
