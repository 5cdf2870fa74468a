"""HCL text to python-hcl2's values, fast where the text is plain.

python-hcl2 (lark, in Python) parses about 4,000 lines a second, so a 200-function configuration
took a second on a cold cache. Most of a configuration is plain: blocks of attributes whose
values are strings (with `${a.b.c}` references), numbers, booleans, references, lists and
objects. Those top-level items are read here, with python-hcl2's output shape and serialization
(`explicit_blocks=False`, `strip_string_quotes=True`). Any item holding anything else (operators,
function calls, heredocs, `%{}` templates, `for` expressions, unusual escapes) is handed to
python-hcl2 on its own, and if that fails, the whole file is, so every error is python-hcl2's,
at its line. tests/test_terraform_hcl.py checks both give the same values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lamina.project.spec import ProjectError

READER_VERSION = 1  # part of the parse cache's key: raise it when what `parse` gives changes
# (text, path, first line) -> python-hcl2's dict for `text`, errors at lines from `first line`
ParseSlow = Callable[[str, Path, int], dict[str, Any]]


class _Fallback(Exception):
    """This item holds something only python-hcl2 reads."""


_SPACE = re.compile(r"(?:[ \t\r]+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)
_SPACE_NL = re.compile(r"(?:\s+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)
_IDENT = re.compile(r"[A-Za-z_][\w-]*")
_TRAVERSAL = re.compile(r"[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?![\w.])")
_STRING_BODY = re.compile(r'[^"\\$%\n]*')
_INTERPOLATION = re.compile(r"\$\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])*)\s*\}")
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}
_KEYWORDS = {"true": True, "false": False, "null": None}


def parse(text: str, path: Path, slow: ParseSlow) -> dict[str, Any]:
    """The values of `text`, python-hcl2's shape; items that aren't plain go to `slow`."""
    document: dict[str, Any] = {}
    position = 0
    try:
        while True:
            position = _SPACE_NL.match(text, position).end()  # type: ignore[union-attr]
            if position >= len(text):
                return document
            item = _Parser(text, position)
            kind: str | None
            try:
                kind, key, value = item.item()
                end = item.position
            except _Fallback:
                end = _item_end(text, position)
                first_line = text.count("\n", 0, position) + 1
                kind, key = item.header_kind, item.header_key
                try:
                    part = slow(text[position:end], path, first_line)
                except ProjectError:  # said again below, python-hcl2's way for the whole file
                    raise _Fallback from None
                value = _slow_item(part, kind, key)
            if kind == "block":
                document.setdefault(key, []).append(value)
            elif key in document:
                raise _Fallback
            else:
                document[key] = value
            position = end
    except _Fallback:  # item bounds not as expected: the whole file, as python-hcl2 reads it
        return slow(text, path, 1)


def _slow_item(part: dict[str, Any], kind: str | None, key: str) -> Any:
    """The value of the one item python-hcl2 read on its own."""
    if kind is None or list(part) != [key]:
        raise _Fallback
    if kind == "attribute":
        return part[key]
    blocks = part[key]
    if not isinstance(blocks, list) or len(blocks) != 1:
        raise _Fallback
    return blocks[0]


def _item_end(text: str, start: int) -> int:
    """Where the top-level item at `start` ends: the first newline outside brackets,
    strings, comments and heredocs (or the end of the text)."""
    depth = 0
    position = start
    length = len(text)
    special = re.compile(r'[\n"{}\[\]()#/<]')
    while position < length:
        match = special.search(text, position)
        if match is None:
            return length
        char, position = match.group(), match.start()
        if char == "\n" and depth == 0:
            return position
        if char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
        elif char == '"':
            position = _string_end(text, position + 1) - 1
        elif char == "#" or text.startswith("//", position):
            newline = text.find("\n", position)
            position = (newline if newline >= 0 else length) - 1
        elif text.startswith("/*", position):
            close = text.find("*/", position + 2)
            position = (close + 2 if close >= 0 else length) - 1
        elif heredoc := re.compile(r"<<-?([A-Za-z_]\w*)[ \t]*\n").match(text, position):
            marker = re.compile(rf"^[ \t]*{heredoc.group(1)}[ \t]*$", re.M)
            found = marker.search(text, heredoc.end())
            position = (found.end() if found else length) - 1
        position += 1
    return length


def _string_end(text: str, position: int) -> int:
    """The index after the closing quote of the string whose body starts at `position`
    (interpolations may hold nested strings and braces)."""
    length = len(text)
    while position < length:
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if char == '"' or char == "\n":
            return position + 1
        if char in "$%" and text.startswith("{", position + 1):
            depth, position = 1, position + 2
            while position < length and depth:
                char = text[position]
                if char == '"':
                    position = _string_end(text, position + 1)
                    continue
                depth += {"{": 1, "}": -1}.get(char, 0)
                position += 1
            continue
        position += 1
    return length


class _Parser:
    """One top-level item, plain HCL only (else _Fallback)."""

    def __init__(self, text: str, position: int) -> None:
        self.text = text
        self.position = position
        self.header_kind: str | None = None
        self.header_key = ""

    def item(self) -> tuple[str, str, Any]:
        name = self._ident()
        self.header_key = name
        self._space()
        if self._peek("=") and not self._peek("=="):
            self.header_kind = "attribute"
            self.position += 1
            value = self._expression()
            self._end_of_line()
            return "attribute", name, value
        self.header_kind = "block"
        value = self._block_rest()
        self._end_of_line()
        return "block", name, value

    def _block_rest(self) -> Any:
        labels = []
        while not self._peek("{"):
            if self._peek('"'):
                labels.append(self._plain_string())
            else:
                labels.append(self._ident())
            self._space()
        self.position += 1
        body = self._body()
        for label in reversed(labels):
            body = {label: body}
        return body

    def _body(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        blocks: set[str] = set()  # the names in `body` that are nested blocks
        while True:
            self._space(newlines=True)
            if self._peek("}"):
                self.position += 1
                return body
            name = self._ident()
            self._space()
            if self._peek("=") and not self._peek("=="):
                self.position += 1
                if name in body:
                    raise _Fallback
                body[name] = self._expression()
                self._end_of_line(closing="}")
            else:
                if name in body and name not in blocks:
                    raise _Fallback
                blocks.add(name)
                body.setdefault(name, []).append(self._block_rest())
                self._end_of_line(closing="}")

    def _expression(self) -> Any:
        self._space()
        text, position = self.text, self.position
        char = text[position : position + 1]
        if char == '"':
            return self._template()
        if char == "[":
            return self._list()
        if char == "{":
            return self._object()
        number = _NUMBER.match(text, position)
        if number is not None:
            self.position = number.end()
            literal = number.group()
            return float(literal) if "." in literal else int(literal)
        traversal = _TRAVERSAL.match(text, position)
        if traversal is None:
            raise _Fallback
        self.position = traversal.end()
        after = text[self.position : self.position + 1]
        if after in ("(", "[", ".", "{") or after.isalnum():
            raise _Fallback  # a call, a splat, an index expression, for...
        name = traversal.group()
        if name in _KEYWORDS:
            return _KEYWORDS[name]
        if "." not in name and "[" not in name:
            return name  # a bare name (`type = string`) reads as itself
        return f"${{{name}}}"

    def _template(self) -> str:
        """A quoted string, `${ref}` kept as `${ref}` (spaces trimmed as python-hcl2 does)."""
        text = self.text
        self.position += 1
        parts = []
        while True:
            run = _STRING_BODY.match(text, self.position)
            assert run is not None  # the pattern matches the empty string
            parts.append(run.group())
            self.position = run.end()
            char = text[self.position : self.position + 1]
            if char == '"':
                self.position += 1
                return "".join(parts)
            if char == "\\":
                escaped = _ESCAPES.get(text[self.position + 1 : self.position + 2])
                if escaped is None:
                    raise _Fallback
                parts.append(escaped)
                self.position += 2
            elif char == "$" and text.startswith("${", self.position):
                interpolation = _INTERPOLATION.match(text, self.position)
                if interpolation is None:
                    raise _Fallback
                parts.append(f"${{{interpolation.group(1)}}}")
                self.position = interpolation.end()
            elif char in "$%":
                if text.startswith(("$${", "%{", "%%{"), self.position):
                    raise _Fallback
                parts.append(char)
                self.position += 1
            else:
                raise _Fallback  # an unterminated string

    def _plain_string(self) -> str:
        start = self.position
        value = self._template()
        if "${" in self.text[start : self.position]:
            raise _Fallback
        return value

    def _list(self) -> list[Any]:
        self.position += 1
        items: list[Any] = []
        while True:
            self._space(newlines=True)
            if self._peek("]"):
                self.position += 1
                return items
            items.append(self._expression())
            self._space(newlines=True)
            if self._peek(","):
                self.position += 1
            elif not self._peek("]"):
                raise _Fallback

    def _object(self) -> dict[str, Any]:
        self.position += 1
        items: dict[str, Any] = {}
        while True:
            self._space(newlines=True)
            if self._peek("}"):
                self.position += 1
                return items
            key = self._plain_string() if self._peek('"') else self._ident()
            self._space()
            if not (self._peek("=") or self._peek(":")) or self._peek("=="):
                raise _Fallback
            self.position += 1
            if key in items:
                raise _Fallback
            items[key] = self._expression()
            self._space()
            if self._peek(","):
                self.position += 1
            elif not (self._peek("\n") or self._peek("}")):
                raise _Fallback

    def _ident(self) -> str:
        match = _IDENT.match(self.text, self.position)
        if match is None:
            raise _Fallback
        self.position = match.end()
        return match.group()

    def _space(self, newlines: bool = False) -> None:
        pattern = _SPACE_NL if newlines else _SPACE
        self.position = pattern.match(self.text, self.position).end()  # type: ignore[union-attr]

    def _peek(self, expected: str) -> bool:
        return self.text.startswith(expected, self.position)

    def _end_of_line(self, closing: str = "") -> None:
        """Only spaces and comments may follow a value on its line."""
        self._space()
        if self.position >= len(self.text) or self._peek("\n"):
            return
        if closing and self._peek(closing):
            return
        raise _Fallback
