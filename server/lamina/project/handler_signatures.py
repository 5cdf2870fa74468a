"""Whether a handler can be called as Lambda calls it, `handler(event, context)`, and where its
name and parameter list are written (for an editor's diagnostic and its fix)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

from lamina.project.discovery import parse_module
from lamina.project.template_nodes import TextSpan


@dataclass(frozen=True)
class SignatureProblem:
    function: str
    message: str
    name_span: TextSpan
    parameters_span: TextSpan | None  # set only when adding parameters fixes it
    fixed_parameters: str = "event, context"


def call_problem(arguments: ast.arguments) -> str | None:
    """Why f(event, context) would fail for a function with these parameters, or None."""
    positional = [*arguments.posonlyargs, *arguments.args]
    required = len(positional) - len(arguments.defaults)
    required_keyword_only = [
        argument.arg
        for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
        if default is None
    ]
    if required > 2:
        return f"it takes {required} required arguments, and Lambda passes (event, context)"
    if len(positional) < 2 and arguments.vararg is None:
        count = "no arguments" if not positional else "only 1 positional argument"
        return f"it takes {count}, and Lambda passes (event, context)"
    if required_keyword_only:
        names = ", ".join(required_keyword_only)
        return f"it requires keyword-only arguments ({names}), which Lambda never passes"
    return None


def _name_span(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> TextSpan:
    line = node.lineno - 1
    text = lines[line] if line < len(lines) else ""
    match = re.search(rf"\bdef\s+({re.escape(node.name)})\b", text)
    if match is None:
        return TextSpan.of_line(line, "\n".join(lines))
    return TextSpan(line, match.start(1), line, match.end(1))


def _parameters_span(source: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> TextSpan | None:
    """The text between the parentheses of the def (0-based, characters)."""
    lines = source.splitlines(keepends=True)[node.lineno - 1 :]
    depth = 0
    start: tuple[int, int] | None = None
    seen_name = False
    try:
        for token in tokenize.generate_tokens(io.StringIO("".join(lines)).readline):
            if token.type == tokenize.NAME and token.string == node.name:
                seen_name = True
            elif seen_name and token.type == tokenize.OP and token.string == "(":
                depth += 1
                if depth == 1:
                    start = token.end
            elif start is not None and token.type == tokenize.OP and token.string == ")":
                depth -= 1
                if depth == 0:
                    offset = node.lineno - 2
                    return TextSpan(
                        start[0] + offset, start[1], token.start[0] + offset, token.start[1]
                    )
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def _fixable(arguments: ast.arguments) -> bool:
    """Adding parameters fixes it: fewer than two positional and nothing else declared."""
    positional = [*arguments.posonlyargs, *arguments.args]
    return (
        len(positional) < 2
        and not arguments.posonlyargs
        and arguments.vararg is None
        and not arguments.kwonlyargs
        and arguments.kwarg is None
    )


def fixed_parameters(current: str) -> str:
    """The parameter list that takes (event, context), keeping an existing first parameter."""
    kept = current.strip().rstrip(",").strip()
    return f"{kept}, context" if kept else "event, context"


def _text_of(lines: list[str], span: TextSpan) -> str:
    if span.start_line == span.end_line:
        return lines[span.start_line][span.start_column : span.end_column]
    parts = [lines[span.start_line][span.start_column :]]
    parts += lines[span.start_line + 1 : span.end_line]
    parts.append(lines[span.end_line][: span.end_column])
    return "\n".join(parts)


def signature_problems(source: str, functions: list[str]) -> list[SignatureProblem]:
    """Problems of the named top-level functions (the last definition of a name counts)."""
    module = parse_module(source)
    if module is None:
        return []
    definitions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for statement in module.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            definitions[statement.name] = statement
    lines = source.splitlines()
    problems: list[SignatureProblem] = []
    for name in functions:
        definition = definitions.get(name)
        if definition is None:
            continue
        node = definition
        reason = call_problem(node.args)
        if reason is None:
            continue
        parameters = _parameters_span(source, node) if _fixable(node.args) else None
        current = _text_of(lines, parameters) if parameters is not None else ""
        problems.append(
            SignatureProblem(
                name,
                f"handler '{name}' can't be called as {name}(event, context): {reason}",
                _name_span(lines, node),
                parameters,
                fixed_parameters(current),
            )
        )
    return problems
