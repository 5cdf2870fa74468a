"""Which of a requirements.txt's packages the interpreter running the handler lacks.

A function's requirements are found either in the interpreter itself or in Lamina's
dependency cache (installed on the first run). Only plain `name[extras] <specifier>` lines
are checked: options, URLs, paths and lines with environment markers are left alone rather
than guessed at.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_LIST_DISTRIBUTIONS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps([d.metadata['Name'] for d in m.distributions() if d.metadata['Name']]))"
)


@dataclass(frozen=True)
class Requirement:
    name: str
    line: int  # 0-based
    start_column: int
    end_column: int

    @property
    def normalized(self) -> str:
        return normalize_name(self.name)


def normalize_name(name: str) -> str:
    """PEP 503: `Foo_Bar.baz` and `foo-bar-baz` are the same project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirements(text: str) -> list[Requirement]:
    requirements: list[Requirement] = []
    for number, raw in enumerate(text.splitlines()):
        line = raw.split(" #", 1)[0].rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "-", ".", "/")) or "://" in stripped:
            continue
        if ";" in stripped or " @ " in stripped:
            continue  # environment markers / direct references: not ours to judge
        match = _NAME.match(line)
        if match:
            requirements.append(Requirement(match.group(1), number, match.start(1), match.end(1)))
    return requirements


def installed_distributions(python: str) -> frozenset[str]:
    """The normalized names of the distributions `python` can import (blocking: may run it)."""
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        import importlib.metadata

        names = [d.metadata["Name"] for d in importlib.metadata.distributions()]
    else:
        out = subprocess.run(
            [python, "-c", _LIST_DISTRIBUTIONS],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if out.returncode != 0:
            raise OSError(f"cannot run {python}: {out.stderr.strip()[-200:]}")
        names = json.loads(out.stdout)
    return frozenset(normalize_name(name) for name in names if name)


def missing_requirements(text: str, installed: frozenset[str]) -> list[Requirement]:
    return [r for r in parse_requirements(text) if r.normalized not in installed]
