"""Bare targets: run `path/to/app.py:handler` (or just `path/to/app.py`) with no template.

A target's function is defined by the file alone: code_dir is the file's folder, the handler is
`<file stem>.<function>`, and the logical id (also the function name) is `<file stem>-<function>`,
e.g. `src/app.py:lambda_handler` → `app-lambda_handler`. The hyphen can't occur in a Python
name, so the id reads unambiguously, and it is a valid Lambda function name ([A-Za-z0-9_-]).

Without `:function`, the handler is the file's only top-level `def f(event, context)`; if there
are several, `lambda_handler` then `handler` is chosen; otherwise the user must name one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from lamina.project.discovery import handler_candidates, parse_module, top_level_bindings
from lamina.project.spec import FunctionSpec, ProjectError

DEFAULT_HANDLER_NAMES = ("lambda_handler", "handler")
_UNSAFE_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]")
_MAX_FUNCTION_NAME = 64


def split_target(text: str) -> tuple[str, str | None] | None:
    """(file path, function or None) when `text` is a `file.py[:function]` target, else None."""
    if text.endswith(".py"):
        return text, None
    path, separator, function = text.rpartition(":")
    if separator and path.endswith(".py") and function.isidentifier():
        return path, function
    return None


def is_target(text: str) -> bool:
    return split_target(text) is not None


def target_logical_id(path: Path, function: str) -> str:
    """`<file stem>-<function>`, limited to what a Lambda function name may contain."""
    name = _UNSAFE_NAME_CHARACTERS.sub("_", f"{path.stem}-{function}")
    return name[:_MAX_FUNCTION_NAME]


def resolve_target_file(path_text: str, bases: Sequence[Path]) -> Path:
    """The absolute target file: as given if absolute, else the first base it exists under."""
    given = Path(path_text).expanduser()
    candidates = [given] if given.is_absolute() else [base / given for base in bases]
    for candidate in candidates:
        if candidate.is_file():
            return Path(os.path.abspath(candidate))
    shown = Path(os.path.abspath(candidates[0] if candidates else given))
    raise ProjectError("no such file", shown)


def _syntax_error(path: Path, source: str) -> ProjectError:
    try:
        compile(source, str(path), "exec", dont_inherit=True)
    except SyntaxError as error:
        return ProjectError(f"syntax error: {error.msg}", path, error.lineno)
    except ValueError as error:
        return ProjectError(f"cannot parse: {error}", path)
    return ProjectError("cannot parse", path)  # pragma: no cover - parse and compile agree


def _default_function(path: Path, source: str) -> tuple[str, int]:
    if parse_module(source) is None:
        raise _syntax_error(path, source)
    candidates = handler_candidates(source)
    if len(candidates) == 1:
        return candidates[0]
    by_name = dict(candidates)
    for name in DEFAULT_HANDLER_NAMES:
        if name in by_name:
            return name, by_name[name]
    if not candidates:
        raise ProjectError("no top-level function that takes (event, context)", path)
    names = ", ".join(name for name, _line in candidates)
    raise ProjectError(f"several handlers ({names}); choose one as {path.name}:<function>", path)


def _function_line(path: Path, source: str, function: str) -> int | None:
    module = parse_module(source)
    if module is None:
        return None  # the runtime reports the syntax error, the way Lambda does
    bindings = top_level_bindings(module)
    if function in bindings:
        return bindings[function]
    # Missing (or maybe from `import *`): the run fails with Lambda's Runtime.HandlerNotFound,
    # and the CLI adds missing_handler_hint.
    return None


def missing_handler_hint(code_dir: Path, handler: str) -> str | None:
    """After a Runtime.HandlerNotFound: the functions the handler's module does define."""
    module, _, function = handler.rpartition(".")
    path = code_dir / (module.replace(".", "/") + ".py")
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    handlers = ", ".join(name for name, _line in handler_candidates(source)) or "none"
    return f"hint: {path}: no top-level function '{function}' (handlers there: {handlers})"


def parse_target(target: str, bases: Sequence[Path] = ()) -> FunctionSpec:
    """The FunctionSpec for a `file.py[:function]` target.

    A relative path is looked up under each of `bases` in turn (default: the current
    directory). Raises ProjectError when the file or the function doesn't exist.
    """
    parts = split_target(target)
    if parts is None:
        raise ProjectError(f"'{target}' is not a target (expected path/to/file.py:function)")
    path_text, function = parts
    path = resolve_target_file(path_text, list(bases) or [Path.cwd()])
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError(f"cannot read: {error}", path) from None
    line: int | None
    if function is None:
        function, line = _default_function(path, source)
    else:
        line = _function_line(path, source, function)
    return FunctionSpec(
        logical_id=target_logical_id(path, function),
        handler=f"{path.stem}.{function}",
        code_dir=path.parent,
        source="target",
        source_path=path,
        source_line=line,
    )
