"""`ast.parse`, one thread at a time.

In CPython 3.11 the converter from the parser's tree to `ast` objects keeps its recursion depth
in interpreter-wide state; two threads converting at once can fail with "SystemError: AST
constructor recursion depth mismatch" (seen in CI: the language server parses off its loop, and
a superseded parse may still run beside the one that replaced it; cf. CPython gh-106905). A lock
costs nothing measurable next to a parse.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ast

_one_at_a_time = threading.Lock()


def parse(source: str) -> ast.Module:
    """ast.parse(source): SyntaxError, or ValueError for NUL bytes, as it raises them."""
    import ast  # on first use: several milliseconds of CLI start-up otherwise

    with _one_at_a_time:
        return ast.parse(source)
