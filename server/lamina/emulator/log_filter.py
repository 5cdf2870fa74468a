"""CloudWatch Logs filter patterns (the `filterPattern` of FilterLogEvents), as AWS documents
them ("Filter pattern syntax for metric filters, subscription filters, and filter log
events"):

- terms: `ERROR` (the message contains it, case-sensitive), `ERROR Exception` (both),
  `"a phrase"`, `?ERROR ?WARN` (either), `-DEBUG` (not);
- JSON: `{ $.field = "value" }`, `!=`, `<`, `>`, `<=`, `>=` on numbers, `*` wildcards in a
  string value, nested `$.a.b` and `$.a[0]`, `&&`, `||` and parentheses. A message that is
  not a JSON object matches no JSON pattern.

Space-delimited patterns (`[ip, user, ...]`) are not supported: they are refused with one error.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from typing import Any

Matcher = Callable[[str], bool]

_TOKEN = re.compile(
    r"""\s*(?:(?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\))|(?P<str>"(?:[^"\\]|\\.)*")
    |(?P<word>[^\s()=!<>&|"]+))""",
    re.VERBOSE,
)
_MISSING = object()


def compile_pattern(pattern: str) -> Matcher:
    """A predicate over one event's message; ValueError for a pattern it cannot read."""
    text = (pattern or "").strip()
    if not text:
        return lambda message: True
    if text.startswith("{"):
        if not text.endswith("}"):
            raise ValueError("Invalid filter pattern: a JSON pattern must end with '}'")
        return _json_matcher(text[1:-1])
    if text.startswith("["):
        raise ValueError("Invalid filter pattern: space-delimited patterns are not supported")
    return _term_matcher(text)


def _term_matcher(text: str) -> Matcher:
    required: list[str] = []
    optional: list[str] = []
    excluded: list[str] = []
    for match in re.finditer(r'([?-]?)("(?:[^"\\]|\\.)*"|\S+)', text):
        prefix, term = match.groups()
        if term.startswith('"'):
            term = json.loads(term)
        {"": required, "?": optional, "-": excluded}[prefix].append(term)

    def matches(message: str) -> bool:
        if any(term in message for term in excluded):
            return False
        if optional and not any(term in message for term in optional):
            return False
        return all(term in message for term in required)

    return matches


def _json_matcher(body: str) -> Matcher:
    tokens = _tokens(body)
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        if position >= len(tokens):
            raise ValueError("Invalid filter pattern: it ends too early")
        position += 1
        return tokens[position - 1]

    def disjunction() -> Callable[[Any], bool]:
        parts = [conjunction()]
        while peek() == "||":
            take()
            parts.append(conjunction())
        return parts[0] if len(parts) == 1 else (lambda doc: any(p(doc) for p in parts))

    def conjunction() -> Callable[[Any], bool]:
        parts = [primary()]
        while peek() == "&&":
            take()
            parts.append(primary())
        return parts[0] if len(parts) == 1 else (lambda doc: all(p(doc) for p in parts))

    def primary() -> Callable[[Any], bool]:
        if peek() == "(":
            take()
            inner = disjunction()
            if take() != ")":
                raise ValueError("Invalid filter pattern: a '(' is not closed")
            return inner
        selector = take()
        if not selector.startswith("$"):
            raise ValueError(f"Invalid filter pattern: expected a $.selector, got {selector!r}")
        operator = take()
        if operator not in ("=", "!=", "<", ">", "<=", ">="):
            raise ValueError(f"Invalid filter pattern: expected a comparison, got {operator!r}")
        return _comparison(_path(selector), operator, take())

    matcher = disjunction()
    if position != len(tokens):
        raise ValueError(f"Invalid filter pattern: unexpected {tokens[position]!r}")

    def matches(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return isinstance(document, dict) and matcher(document)

    return matches


def _tokens(body: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(body):
        if body[position:].strip() == "":
            break
        match = _TOKEN.match(body, position)
        if match is None:
            raise ValueError(f"Invalid filter pattern near {body[position:]!r}")
        tokens.append(match.group(match.lastgroup or "word"))
        position = match.end()
    return tokens


def _path(selector: str) -> list[str | int]:
    steps: list[str | int] = []
    for name, index in re.findall(r"\.([^.\[\]]+)|\[(\d+)\]", selector[1:]):
        steps.append(int(index) if index else name)
    if not steps:
        raise ValueError(f"Invalid filter pattern: bad selector {selector!r}")
    return steps


def _comparison(path: list[str | int], operator: str, raw: str) -> Callable[[Any], bool]:
    def value_of(document: Any) -> Any:
        for step in path:
            in_list = isinstance(step, int) and isinstance(document, list) and step < len(document)
            in_dict = isinstance(step, str) and isinstance(document, dict) and step in document
            if not (in_list or in_dict):
                return _MISSING
            document = document[step]
        return document

    if operator in ("=", "!="):
        expected = json.loads(raw) if raw.startswith('"') else raw
        equal = operator == "="

        def compare(document: Any) -> bool:
            value = value_of(document)
            if value is _MISSING:
                return False
            if isinstance(value, bool) or value is None:
                text = json.dumps(value)
            elif isinstance(value, (int, float)) and not raw.startswith('"'):
                try:
                    return (value == float(expected)) == equal
                except ValueError:
                    return not equal
            else:
                text = value if isinstance(value, str) else json.dumps(value)
            hit = fnmatch.fnmatchcase(text, expected) if "*" in expected else text == expected
            return hit == equal

        return compare
    try:
        number = float(raw)
    except ValueError:
        raise ValueError(
            f"Invalid filter pattern: {operator} needs a number, got {raw!r}"
        ) from None
    check = {
        "<": number.__gt__,
        ">": number.__lt__,
        "<=": number.__ge__,
        ">=": number.__le__,
    }[operator]

    def numeric(document: Any) -> bool:
        value = value_of(document)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return ok and check(value)

    return numeric
