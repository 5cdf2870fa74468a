"""Shared test helpers: write a handler into a temp dir and run it in real environments."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lamina.runtime.config import FunctionConfig


@pytest.fixture
def write_function(tmp_path: Path):  # type: ignore[no-untyped-def]
    """write_function(source, handler="app.handler", files=None, **config) -> FunctionConfig"""

    def write(
        source: str,
        handler: str = "app.handler",
        files: dict[str, str] | None = None,
        **config: object,
    ) -> FunctionConfig:
        code = tmp_path / "code"
        code.mkdir(exist_ok=True)
        (code / "app.py").write_text(textwrap.dedent(source))
        for name, text in (files or {}).items():
            path = code / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        options: dict[str, object] = {"function_name": "fn", "handler": handler, "code_dir": code}
        options.update(config)
        return FunctionConfig(**options)  # type: ignore[arg-type]

    return write
