"""Which functions a changed file belongs to: the ones whose package would hold it.

A file counts for a function when it is inside the function's code dir and not left out by its
`.laminaignore` (or the built-in excludes). A function's `.laminaignore` itself counts too: it
changes what the package holds. The project's own files at the root (template, pyproject.toml,
samconfig.toml, serverless.yml, Terraform's: lamina/project_files.py) are reported separately:
they change the model, not the code.
"""

from __future__ import annotations

import os
from pathlib import Path

from lamina.deploy.ignore_rules import IGNORE_FILE_NAME, IgnoreRules
from lamina.project.spec import FunctionSpec
from lamina.project_files import is_project_file_name


class CodePathIndex:
    def __init__(self, root: Path, functions: dict[str, FunctionSpec]) -> None:
        self.root = os.path.abspath(root)
        self._dirs = {
            logical_id: os.path.abspath(spec.code_dir) for logical_id, spec in functions.items()
        }
        self._rules: dict[str, tuple[int | None, IgnoreRules]] = {}

    def watch_roots(self) -> list[Path]:
        """The project root, plus code dirs outside it."""
        roots = [self.root]
        for code_dir in sorted(set(self._dirs.values())):
            if not any(_inside(code_dir, root) for root in roots):
                roots.append(code_dir)
        return [Path(root) for root in roots]

    def is_project_file(self, path: str) -> bool:
        absolute = os.path.abspath(path)
        return os.path.dirname(absolute) == self.root and is_project_file_name(Path(absolute))

    def functions_for(self, path: str, is_dir: bool = False) -> list[str]:
        """The logical ids whose package holds (or would hold) `path` (a folder: files in it;
        an excluded folder, say a new __pycache__/, is nobody's)."""
        absolute = os.path.abspath(path)
        found: list[str] = []
        for logical_id, code_dir in self._dirs.items():
            if not _inside(absolute, code_dir) or absolute == code_dir:
                continue
            relative = os.path.relpath(absolute, code_dir).replace(os.sep, "/")
            rules = self._rules_for(code_dir)
            if relative == IGNORE_FILE_NAME or not rules.ignored_path(relative, is_dir):
                found.append(logical_id)
        return found

    def _rules_for(self, code_dir: str) -> IgnoreRules:
        try:
            stamp: int | None = os.stat(os.path.join(code_dir, IGNORE_FILE_NAME)).st_mtime_ns
        except OSError:
            stamp = None
        cached = self._rules.get(code_dir)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        rules = IgnoreRules.for_code_dir(Path(code_dir))
        self._rules[code_dir] = (stamp, rules)
        return rules


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def is_sample_events(relative: str) -> bool:
    """Whether a path relative to a code dir (with `/`) is its events/ folder or inside it:
    sample events (and `lamina api --save-events`' own writes), not code a save restarts or
    deploys."""
    return relative == "events" or relative.startswith("events/")
