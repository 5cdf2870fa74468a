"""Which top-level functions of a Python file are handlers, and where their names are.

A function the template names is a handler. So is, where no template names it, a top-level
`def f(event, context)` whose second parameter reads like Lambda's context (`context`, `ctx`,
`_`), outside test files. Helpers, imports and tests get no lenses.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lamina.lsp.top_level_scan import top_level_statements

_SKIPPED_PREFIXES = ("_", "test_")
_CONTEXT_NAMES = ("ctx", "_ctx", "_", "_c")


@dataclass(frozen=True)
class FunctionDef:
    name: str
    line: int  # 0-based
    start_column: int
    end_column: int
    positional: tuple[str, ...]

    @property
    def looks_like_handler(self) -> bool:
        if len(self.positional) != 2 or self.name.startswith(_SKIPPED_PREFIXES):
            return False
        second = self.positional[1]
        return "context" in second.lower() or second in _CONTEXT_NAMES


def is_test_file(path: Path) -> bool:
    name = path.name
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or any(part in ("tests", "test") for part in path.parts[:-1])
    )


def top_level_functions(
    source: str, superseded: Callable[[], bool] = lambda: False
) -> dict[str, FunctionDef]:
    """Top-level `def`s by name; a later binding of the same name (an import, an assignment)
    hides an earlier def, as it would at import time. {} where the source doesn't parse.
    Parsed a piece at a time (top_level_scan.py); Superseded when `superseded()` says so."""
    found: dict[str, FunctionDef] = {}
    try:
        for offset, node, lines in top_level_statements(source, superseded):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[node.name] = _definition(node, offset, lines)
            else:
                for name in _bound_names(node):
                    found.pop(name, None)
    except (SyntaxError, ValueError):  # ValueError: source with NUL bytes
        return {}
    return found


def _definition(
    node: ast.FunctionDef | ast.AsyncFunctionDef, offset: int, lines: list[str]
) -> FunctionDef:
    text = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
    match = re.search(rf"\bdef\s+({re.escape(node.name)})\b", text)
    start, end = (match.start(1), match.end(1)) if match else (0, len(text))
    arguments = node.args
    positional = tuple(a.arg for a in (*arguments.posonlyargs, *arguments.args))
    required_keyword_only = any(d is None for d in arguments.kw_defaults)
    return FunctionDef(
        node.name,
        node.lineno - 1 + offset,
        start,
        end,
        positional if not (arguments.vararg or required_keyword_only) else (),
    )


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    return []
