"""Parsing a file a piece at a time finds the statements `ast.parse` of the whole file finds,
wherever a cut falls: inside strings, brackets, continuations, decorators."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

import pytest

from lamina.lsp.handler_defs import top_level_functions
from lamina.lsp.top_level_scan import Superseded, top_level_statements

TRICKY = '''\
"""A docstring whose lines look like statements:
def not_a_handler(event, context):
    pass
"""
import os


def handler(event, context):
    return 1


TEXT = """
def fake(event, context):
class Fake:
@decorator
"""
CALL = dict(
    a=1,
)
total = 1 + \\
    2
@staticmethod
def decorated(event, context):
    pass
class Kept:
    def method(self, event, context):
        pass
async def later(event, context):
    pass
handler = None
'''


def whole(source: str) -> list[tuple[str, int]]:
    return [(type(node).__name__, node.lineno) for node in ast.parse(source).body]


def in_pieces(source: str, piece_chars: int) -> list[tuple[str, int]]:
    return [
        (type(node).__name__, node.lineno + offset)
        for offset, node, _ in top_level_statements(source, piece_chars=piece_chars)
    ]


@pytest.mark.parametrize("piece_chars", [1, 7, 40, 200])
def test_cuts_inside_strings_brackets_and_continuations(piece_chars: int) -> None:
    assert in_pieces(TRICKY, piece_chars) == whole(TRICKY)


def test_the_standard_library_parses_the_same_in_pieces() -> None:
    library = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(library.glob("*.py"), key=lambda p: -p.stat().st_size)[:12]
    assert files
    for path in files:
        source = path.read_text(encoding="utf-8")
        assert in_pieces(source, 2048) == whole(source), path


def test_handlers_and_shadowing_are_those_of_the_whole_parse() -> None:
    found = top_level_functions(TRICKY * 1 + "\n" * 40_000)  # over one piece
    assert sorted(found) == ["decorated", "later"]  # `handler` is rebound at the end
    assert found["later"].line == TRICKY.splitlines().index("async def later(event, context):")


def test_a_syntax_error_yields_no_functions() -> None:
    assert top_level_functions("def ok(event, context):\n    pass\n" * 3000 + "def (:\n") == {}


def test_a_superseded_parse_stops() -> None:
    source = "def f(event, context):\n    pass\n" * 5000
    with pytest.raises(Superseded):
        list(top_level_statements(source, superseded=lambda: True))
