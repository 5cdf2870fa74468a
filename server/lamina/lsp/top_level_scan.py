"""A Python file's top-level statements, parsed a piece at a time so that memory stays small.

`ast.parse` of a whole file holds its whole tree: about 190 times the file's size (a 1.5 MB
file: 285 MB), for lenses that need only the top-level `def`s. Here the file is cut where a line
starts at column 0 with `def`, `async def`, `class` or `@` (every such line begins a top-level
statement unless it sits inside a string, brackets or a backslash continuation), and each piece
is parsed on its own and dropped before the next. A cut inside a string, brackets or a
continuation leaves the piece before it unparseable (an unterminated string, an unclosed
bracket, an end of file after a backslash), so a piece that fails is grown to a later cut and
parsed again: the statements found are the ones `ast.parse` of the whole file finds.

A file with a real syntax error, or a piece that does not parse within MAX_PIECE_CHARS, yields
SyntaxError, as `ast.parse` would (the lenses then show nothing, as before).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator

from lamina.project.python_parse import parse

PIECE_CHARS = 16 * 1024
MAX_PIECE_CHARS = 256 * 1024  # at ~190 bytes of tree per byte: <= ~50 MB at a time
_CUT = re.compile(r"^(?:(?:async[ \t]+)?def[ \t]|class[ \t(:]|@)", re.MULTILINE)


class Superseded(Exception):
    """The text changed while it was being parsed: the answer would be moot."""


def top_level_statements(
    source: str,
    superseded: Callable[[], bool] = lambda: False,
    piece_chars: int = PIECE_CHARS,
) -> Iterator[tuple[int, ast.stmt, list[str]]]:
    """(lines before the statement's piece, statement, the piece's lines) in order;
    `node.lineno + offset` is its 1-based line in `source`, `lines[node.lineno - 1]` its text. SyntaxError where the file doesn't parse (ValueError: NUL bytes);
    Superseded as soon as `superseded()` says so (checked between pieces)."""
    if len(source) <= piece_chars:
        lines = source.splitlines()
        for node in parse(source).body:
            yield 0, node, lines
        return
    cuts = [match.start() for match in _CUT.finditer(source)] + [len(source)]
    begin, offset, cut = 0, 0, 0
    while begin < len(source):
        size = piece_chars
        while True:
            while cuts[cut] < min(begin + size, len(source)):
                cut += 1
            end = cuts[cut]
            if superseded():
                raise Superseded
            piece = source[begin:end]
            try:
                module = parse(piece)
                break
            except SyntaxError:
                if end == len(source) or end - begin >= MAX_PIECE_CHARS:
                    raise
                size *= 2
        lines = piece.splitlines()
        for node in module.body:
            yield offset, node, lines
        del module, piece, lines
        offset += source.count("\n", begin, end)
        begin = end
