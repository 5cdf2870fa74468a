"""Find handlers in Python source with `ast`, without importing (or running) the user's code.

`ast` is imported on first use: it costs several milliseconds of CLI start-up otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lamina.project.spec import FunctionSpec

if TYPE_CHECKING:
    import ast

_SKIPPED_PREFIXES = ("_", "test_")


def parse_module(source_text: str) -> ast.Module | None:
    """The module's syntax tree, or None when it doesn't parse."""
    from lamina.project.python_parse import parse

    try:
        return parse(source_text)
    except (SyntaxError, ValueError):  # ValueError: source with NUL bytes
        return None


def _read_source(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _looks_like_handler(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Callable as f(event, context): exactly two positional parameters, nothing else required."""
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    required_keyword_only = [
        argument
        for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
        if default is None
    ]
    return len(positional) == 2 and arguments.vararg is None and not required_keyword_only


def handler_candidates(source_text: str) -> list[tuple[str, int]]:
    """Top-level `def f(event, context)` (or async def) functions: (name, 1-based line), in order.

    Names starting with `_` or `test_` are left out. Source that doesn't parse yields [].
    """
    import ast

    module = parse_module(source_text)
    if module is None:
        return []
    candidates: list[tuple[str, int]] = []
    for node in module.body:
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and not node.name.startswith(_SKIPPED_PREFIXES)
            and _looks_like_handler(node)
        ):
            candidates.append((node.name, node.lineno))
    return candidates


def top_level_bindings(module: ast.Module) -> dict[str, int]:
    """Every name bound at module level (def, class, assignment, import) → its last line.

    A star import binds unknown names: it is reported under the key "*".
    """
    import ast

    bindings: dict[str, int] = {}
    for node in module.body:
        names: list[str] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names = [node.target.id]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [(alias.asname or alias.name).split(".")[0] for alias in node.names]
        for name in names:
            bindings[name] = node.lineno
    return bindings


def module_file(code_dir: Path, module: str) -> Path | None:
    """The file that defines dotted `module` under `code_dir` (a .py file or a package)."""
    relative = Path(*module.split("."))
    for candidate in (
        code_dir / relative.with_name(relative.name + ".py"),
        code_dir / relative / "__init__.py",
    ):
        if candidate.is_file():
            return candidate
    return None


def find_handler_location(spec: FunctionSpec) -> tuple[Path, int] | None:
    """The file and 1-based line where the spec's handler function is defined, else None.

    Follows dotted modules into subpackages (`pkg.sub.app.handler`). The last top-level
    binding of the name wins, as it would at import time; `async def` counts.
    """
    if not spec.module or not spec.function:
        return None
    path = module_file(spec.code_dir, spec.module)
    if path is None:
        return None
    source = _read_source(path)
    module = parse_module(source) if source is not None else None
    if module is None:
        return None
    line = top_level_bindings(module).get(spec.function)
    return (path, line) if line is not None else None
