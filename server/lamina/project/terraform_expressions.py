"""Terraform expressions beyond a plain reference, as far as local values decide them:

- conditionals `cond ? a : b` (only the chosen side is evaluated, as Terraform does), with
  `==`, `!=`, `!`, `&&`, `||` and parentheses in the condition;
- `merge(...)` of objects (later keys winning), `templatefile(path, { ... })` (its `${...}`
  interpolations of the given names; `%{...}` directives are not read) and `file(path)`;
- literals: strings (with interpolations), numbers, booleans, null, lists and objects.

A reference goes to `lookup` (Configuration's resolution); an expression whose value a local run
can't decide (a condition on a value known only once applied, another function) raises
Unresolved with the reason, and the caller names the whole expression in one warning.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

Lookup = Callable[[str], Any]
_Thunk = Callable[[], Any]

_SPACE = re.compile(r"(?:\s+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_TRAVERSAL = re.compile(r"[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\.\d+|\[\d+\])*")
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}
_KEYWORDS = {"true": True, "false": False, "null": None}
_OPENING = re.compile(r"\$\$\{|%%\{|\$\{|%\{")
UNRESOLVED = "\x00"  # stands for "$" in a kept expression, so it isn't resolved again


class Unresolved(Exception):
    """What a local run can't decide; the message says why."""


def evaluate(expression: str, lookup: Lookup, folder: Path) -> Any:
    """The value of `expression` (the text inside `${...}`). Raises Unresolved."""
    parser = _Parser(expression, lookup, folder)
    thunk = parser.expression()
    parser.space()
    if parser.position != len(expression):
        raise Unresolved(f"cannot read it past {expression[parser.position :][:20]!r}")
    return thunk()


def render(template: str, lookup: Lookup, folder: Path) -> Any:
    """A string template: its `${...}` interpolations evaluated (`$${` is a literal `${`).
    One interpolation alone keeps its value's type, as in Terraform. Raises Unresolved."""
    parts: list[Any] = []
    position = 0
    for opening in _OPENING.finditer(template):
        if opening.start() < position:
            continue  # inside an interpolation already read
        token = opening.group()
        parts.append(template[position : opening.start()])
        position = opening.end()
        if token in ("$${", "%%{"):
            parts.append(token[1:])
            continue
        if token == "%{":
            raise Unresolved("template directives (%{...}) are not read")
        end = _closing_brace(template, position)
        parts.append(evaluate(template[position:end], lookup, folder))
        position = end + 1
    parts.append(template[position:])
    if len(parts) == 3 and parts[0] == parts[2] == "":
        return parts[1]
    return "".join(as_text(part) for part in parts)


def interpolation_only(template: str) -> str | None:
    """The expression of a template that is one `${...}` and nothing else, else None."""
    if not template.startswith("${"):
        return None
    try:
        end = _closing_brace(template, 2)
    except Unresolved:
        return None
    return template[2:end].strip() if end == len(template) - 1 else None


def _closing_brace(text: str, position: int) -> int:
    """The index of the `}` closing the interpolation whose body starts at `position`."""
    depth = 1
    while position < len(text):
        char = text[position]
        if char == '"':
            position = _string_end(text, position + 1)
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return position
        position += 1
    raise Unresolved("an interpolation is not closed")


def _string_end(text: str, position: int) -> int:
    """The index after the closing quote of the string whose body starts at `position`."""
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
        elif char == '"':
            return position + 1
        elif char in "$%" and text.startswith("{", position + 1):
            position = _closing_brace(text, position + 2) + 1
        else:
            position += 1
    raise Unresolved("a string is not closed")


class _Parser:
    """Recursive descent over one expression; each rule gives a thunk, so a conditional
    evaluates only the side it takes."""

    def __init__(self, text: str, lookup: Lookup, folder: Path) -> None:
        self.text, self.position, self.lookup, self.folder = text, 0, lookup, folder

    def space(self) -> None:
        self.position = _SPACE.match(self.text, self.position).end()  # type: ignore[union-attr]

    def _take(self, token: str) -> bool:
        self.space()
        if self.text.startswith(token, self.position):
            self.position += len(token)
            return True
        return False

    def _expect(self, token: str) -> None:
        if not self._take(token):
            raise Unresolved(f"expected {token!r} at {self.text[self.position :][:20]!r}")

    def expression(self) -> _Thunk:
        condition = self._or()
        if not self._take("?"):
            return condition
        yes = self.expression()
        self._expect(":")
        no = self.expression()
        return lambda: yes() if _boolean(condition()) else no()

    def _or(self) -> _Thunk:
        left = self._and()
        while self._take("||"):
            left = (lambda a, b: lambda: _boolean(a()) or _boolean(b()))(left, self._and())
        return left

    def _and(self) -> _Thunk:
        left = self._comparison()
        while self._take("&&"):
            left = (lambda a, b: lambda: _boolean(a()) and _boolean(b()))(left, self._comparison())
        return left

    def _comparison(self) -> _Thunk:
        left = self._unary()
        for token, equal in (("==", True), ("!=", False)):
            if self._take(token):
                right = self._unary()
                return lambda: (_known(left()) == _known(right())) is equal
        return left

    def _unary(self) -> _Thunk:
        if self._take("!"):
            operand = self._unary()
            return lambda: not _boolean(operand())
        return self._primary()

    def _primary(self) -> _Thunk:
        self.space()
        text, start = self.text, self.position
        char = text[start : start + 1]
        if char == "(":
            self.position += 1
            inner = self.expression()
            self._expect(")")
            return inner
        if char == '"':
            self.position = _string_end(text, start + 1)
            body = _unescape(text[start + 1 : self.position - 1])
            return lambda: render(body, self.lookup, self.folder)
        if char == "[":
            self.position += 1
            items = self._sequence("]")
            return lambda: [item() for item in items]
        if char == "{":
            return self._object()
        number = _NUMBER.match(text, start)
        if number is not None:
            self.position = number.end()
            literal = number.group()
            return lambda: float(literal) if "." in literal else int(literal)
        traversal = _TRAVERSAL.match(text, start)
        if traversal is None:
            raise Unresolved(f"cannot read {text[start:][:20]!r}")
        self.position = traversal.end()
        name = traversal.group()
        if self._take("("):
            return self._call(name, self._sequence(")"))
        if name in _KEYWORDS:
            return lambda: _KEYWORDS[name]
        return lambda: self.lookup(name)

    def _sequence(self, closing: str) -> list[_Thunk]:
        items: list[_Thunk] = []
        while not self._take(closing):
            items.append(self.expression())
            if not self._take(","):
                self._expect(closing)
                break
        return items

    def _object(self) -> _Thunk:
        self.position += 1
        items: list[tuple[str, _Thunk]] = []
        while not self._take("}"):
            self.space()
            key = _TRAVERSAL.match(self.text, self.position)
            if self.text.startswith('"', self.position):
                end = _string_end(self.text, self.position + 1)
                name = _unescape(self.text[self.position + 1 : end - 1])
                self.position = end
            elif key is not None and "." not in key.group():
                name, self.position = key.group(), key.end()
            else:
                raise Unresolved("an object key that is an expression is not read")
            if not (self._take("=") or self._take(":")):
                raise Unresolved(f"expected '=' after the key {name!r}")
            items.append((name, self.expression()))
            self._take(",")
        return lambda: {name: value() for name, value in items}

    def _call(self, name: str, arguments: list[_Thunk]) -> _Thunk:
        if name == "merge":
            return lambda: _merge([argument() for argument in arguments])
        if name in ("templatefile", "file") and len(arguments) == (2 if name != "file" else 1):
            return lambda: self._file(name, [argument() for argument in arguments])
        raise Unresolved(f"the function {name}(...) is not read")

    def _file(self, name: str, arguments: list[Any]) -> Any:
        path = _known(arguments[0])
        try:
            text = Path(os.path.normpath(self.folder / str(path))).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise Unresolved(f"{name}: {error}") from None
        if name == "file":
            return text
        names = _known(arguments[1])
        if not isinstance(names, Mapping):
            raise Unresolved("templatefile's variables are not an object")
        return render(text, lambda reference: _member(names, reference), self.folder)


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda match: _ESCAPES.get(match.group(1), match.group()), body)


def _known(value: Any) -> Any:
    if isinstance(value, str) and UNRESOLVED in value:
        raise Unresolved(f"{value.replace(UNRESOLVED, '$')} is not known here")
    return value


def _boolean(value: Any) -> bool:
    value = _known(value)
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):  # Terraform converts these strings
        return bool(value == "true")
    raise Unresolved(f"the condition is {as_text(value)!r}, not a boolean")


def _merge(values: list[Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for value in values:
        if value is None:
            continue
        if not isinstance(_known(value), Mapping):
            raise Unresolved(f"merge of {as_text(value)!r}, not an object")
        merged.update(value)
    return merged


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _member(names: Mapping[str, Any], reference: str) -> Any:
    """`name` or `name.key` of templatefile's variables."""
    value: Any = names
    for part in reference.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise Unresolved(f"templatefile has no variable {reference}")
        value = value[part]
    return value
