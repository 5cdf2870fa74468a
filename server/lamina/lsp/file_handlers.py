"""Handlers no template or pyproject.toml names: top-level `def f(event, context)` in the
workspace's Python files (not tests, not virtualenvs), as `path.py:function` functions.

Blocking (it walks the tree): called in a worker thread, bounded in files and size.
"""

from __future__ import annotations

import os
from pathlib import Path

from lamina.lsp.file_changes import IGNORED_FOLDERS
from lamina.lsp.handler_defs import is_test_file, top_level_functions
from lamina.lsp.project_index import normalized
from lamina.project.spec import FunctionSpec

MAX_FILES = 5000
MAX_FILE_BYTES = 256 * 1024


def _python_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(
            name
            for name in subfolders
            if name not in IGNORED_FOLDERS
            and not name.startswith(".")
            and not (Path(folder) / name / "pyvenv.cfg").exists()
            and name not in ("site-packages", "build", "dist")
        )
        for name in sorted(files):
            if name.endswith(".py"):
                found.append(Path(folder) / name)
                if len(found) >= MAX_FILES:
                    return found
    return found


def file_handler_specs(root: Path, known: list[FunctionSpec]) -> list[FunctionSpec]:
    from lamina.project.events import events_for
    from lamina.project.target import target_logical_id

    named = {(normalized(spec.handler_path), spec.function) for spec in known}
    specs: list[FunctionSpec] = []
    for path in _python_files(root):
        relative = path.relative_to(root)
        if is_test_file(relative):
            continue
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                continue
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "context" not in source and "event" not in source:
            continue
        for definition in top_level_functions(source).values():
            if not definition.looks_like_handler:
                continue
            if (normalized(path), definition.name) in named:
                continue
            spec = FunctionSpec(
                logical_id=target_logical_id(path, definition.name),
                handler=f"{path.stem}.{definition.name}",
                code_dir=path.parent,
                source="target",
                source_path=path,
                source_line=definition.line + 1,
            )
            spec.events = events_for(spec, root)
            specs.append(spec)
    return specs
