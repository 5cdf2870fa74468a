"""Handler discovery with `ast`, and bare `file.py[:function]` targets."""

from __future__ import annotations

from pathlib import Path

import pytest
from text_files import write

from lamina.project import (
    FunctionSpec,
    ProjectError,
    find_handler_location,
    handler_candidates,
    is_target,
    parse_target,
)
from lamina.project.target import missing_handler_hint, split_target

MODULE = """\
import json
from functools import wraps


def _private(event, context):
    pass


def test_handler(event, context):
    pass


def lambda_handler(event, context):
    return {"statusCode": 200}


async def process(evt, ctx=None):
    return evt


def one_arg(event):
    pass


def with_varargs(event, context, *rest):
    pass


def keyword_only(event, context, *, required):
    pass


def keyword_default(event, /, context, *, retries=3, **options):
    pass


class Handler:
    def __call__(self, event, context):
        pass


if __name__ == "__main__":
    def nested(event, context):
        pass
"""


def test_handler_candidates() -> None:
    assert handler_candidates(MODULE) == [
        ("lambda_handler", 13),
        ("process", 17),
        ("keyword_default", 33),
    ]


def test_handler_candidates_of_broken_source() -> None:
    assert handler_candidates("def handler(event, context)\n    pass\n") == []
    assert handler_candidates("x = '\0'") == []


def test_find_handler_location_in_a_subpackage(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "sub" / "__init__.py", "")
    path = write(
        tmp_path / "pkg" / "sub" / "app.py",
        """\
        import os

        @decorated
        async def handle(event, context):
            return 1
        """,
    )
    spec = FunctionSpec("Fn", "pkg.sub.app.handle", tmp_path)
    assert find_handler_location(spec) == (path, 4)


def test_find_handler_location_in_a_package_init(tmp_path: Path) -> None:
    path = write(tmp_path / "svc" / "__init__.py", "from .impl import run as handler\n")
    spec = FunctionSpec("Fn", "svc.handler", tmp_path)
    assert find_handler_location(spec) == (path, 1)


def test_find_handler_location_takes_the_last_binding(tmp_path: Path) -> None:
    path = write(
        tmp_path / "app.py",
        """\
        def handler(event, context):
            return 1

        handler = wrap(handler)
        """,
    )
    assert find_handler_location(FunctionSpec("Fn", "app.handler", tmp_path)) == (path, 4)


def test_find_handler_location_not_found(tmp_path: Path) -> None:
    write(tmp_path / "app.py", "def other(event, context):\n    pass\n")
    write(tmp_path / "broken.py", "def handler(event, context)\n    pass\n")
    assert find_handler_location(FunctionSpec("Fn", "app.handler", tmp_path)) is None
    assert find_handler_location(FunctionSpec("Fn", "missing.handler", tmp_path)) is None
    assert find_handler_location(FunctionSpec("Fn", "broken.handler", tmp_path)) is None
    assert find_handler_location(FunctionSpec("Fn", "nodot", tmp_path)) is None


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("app.py", ("app.py", None)),
        ("src/app.py:handler", ("src/app.py", "handler")),
        ("C:\\work\\app.py:handler", ("C:\\work\\app.py", "handler")),
        ("HelloWorldFunction", None),
        ("app.handler", None),
        ("app.py:not-a-name", None),
    ],
)
def test_split_target(text: str, parts: tuple[str, str | None] | None) -> None:
    assert split_target(text) == parts
    assert is_target(text) is (parts is not None)


def test_parse_target_with_function(tmp_path: Path) -> None:
    path = write(tmp_path / "src" / "app.py", MODULE)
    spec = parse_target("src/app.py:process", [tmp_path])
    assert spec.logical_id == "app-process"
    assert spec.function_name == "app-process"
    assert spec.handler == "app.process"
    assert spec.code_dir == tmp_path / "src"
    assert (spec.source, spec.source_path, spec.source_line) == ("target", path, 17)


def test_parse_target_picks_lambda_handler_among_several(tmp_path: Path) -> None:
    write(tmp_path / "app.py", MODULE)
    spec = parse_target(str(tmp_path / "app.py"))
    assert (spec.handler, spec.source_line) == ("app.lambda_handler", 13)


def test_parse_target_picks_the_only_candidate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "my-job.py", "def _helper(a, b):\n    pass\n\ndef run(e, c):\n    pass\n")
    monkeypatch.chdir(tmp_path)
    spec = parse_target("my-job.py")
    assert (spec.logical_id, spec.handler, spec.source_line) == ("my-job-run", "my-job.run", 4)


def test_parse_target_accepts_non_def_bindings(tmp_path: Path) -> None:
    write(tmp_path / "app.py", "from lib import make\n\nhandler = make()\n")
    write(tmp_path / "star.py", "from lib import *\n")
    assert parse_target("app.py:handler", [tmp_path]).source_line == 3
    assert parse_target("star.py:handler", [tmp_path]).source_line is None


def test_parse_target_with_a_syntax_error_and_a_named_function(tmp_path: Path) -> None:
    # The runtime reports the syntax error the way Lambda does (Runtime.UserCodeSyntaxError).
    write(tmp_path / "app.py", "def handler(event, context)\n    pass\n")
    spec = parse_target("app.py:handler", [tmp_path])
    assert (spec.handler, spec.source_line) == ("app.handler", None)


def test_parse_target_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "app.py", MODULE)
    # A missing function is the runtime's to report (Runtime.HandlerNotFound), with a hint.
    spec = parse_target("app.py:missing", [tmp_path])
    assert (spec.handler, spec.source_line) == ("app.missing", None)
    assert missing_handler_hint(tmp_path, "app.missing") == (
        f"hint: {path}: no top-level function 'missing' "
        "(handlers there: lambda_handler, process, keyword_default)"
    )

    two = write(tmp_path / "two.py", "def a(e, c):\n    pass\n\ndef b(e, c):\n    pass\n")
    with pytest.raises(ProjectError) as caught:
        parse_target("two.py", [tmp_path])
    assert str(caught.value) == f"{two}: several handlers (a, b); choose one as two.py:<function>"

    none = write(tmp_path / "none.py", "X = 1\n")
    with pytest.raises(ProjectError) as caught:
        parse_target("none.py", [tmp_path])
    assert str(caught.value) == f"{none}: no top-level function that takes (event, context)"

    broken = write(tmp_path / "broken.py", "x = 1\ndef handler(event, context)\n    pass\n")
    with pytest.raises(ProjectError) as caught:
        parse_target("broken.py", [tmp_path])
    assert (caught.value.path, caught.value.line) == (broken, 2)
    assert caught.value.message == "syntax error: expected ':'"

    with pytest.raises(ProjectError) as caught:
        parse_target("gone.py:handler", [tmp_path / "a", tmp_path])
    assert str(caught.value) == f"{tmp_path / 'a' / 'gone.py'}: no such file"

    with pytest.raises(ProjectError) as caught:
        parse_target("HelloFunction", [tmp_path])
    assert str(caught.value) == (
        "'HelloFunction' is not a target (expected path/to/file.py:function)"
    )
