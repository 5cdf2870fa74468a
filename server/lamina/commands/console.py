"""How the `lamina` command talks to its user: one-line errors, notices, the logs, the exit."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from lamina.project import Project


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr, no traceback."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def notice(message: str) -> None:
    click.echo(f"lamina: {message}", err=True)


def write_stderr(text: str) -> None:
    """As it is, at once (a server's lines interleave with its functions' logs)."""
    sys.stderr.write(text)
    sys.stderr.flush()


def load(project_dir: Path) -> Project:
    """The project in `project_dir` (read as the command's -t/--template, --parameter-overrides,
    --config-env and --config-file say), or one line saying what is broken where."""
    from lamina.commands.project_flags import current_project_options
    from lamina.project import ProjectError, load_project

    try:
        project = load_project(project_dir, options=current_project_options())
    except ProjectError as e:
        fail(str(e))
    return project


def relative(path: Path, root: Path) -> str:
    base = _resolved(root)
    if path.is_absolute() and ".." not in path.parts and path.is_relative_to(base):
        return str(path.relative_to(base)) or "."  # no lstat walk: the text already says it
    try:
        return str(path.resolve().relative_to(base)) or "."
    except ValueError:
        return str(path)


@functools.lru_cache(maxsize=8)
def _resolved(root: Path) -> Path:
    """The project root, resolved once: `lamina functions` names 200 functions' files
    against the same root, and each resolve is a walk of lstat calls."""
    return root.resolve()


def exit_now(code: int) -> NoReturn:
    """Exit without the interpreter's teardown (about 20 ms of freeing modules): the
    environment is already gone and its temp dir removed, and the output is flushed here."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def print_logs(logs: str) -> None:
    if not sys.stderr.isatty():
        sys.stderr.write(logs)
        sys.stderr.flush()
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(stderr=True, highlight=False)
    for line in logs.split("\n")[:-1]:  # not splitlines(): Lambda's error lines hold \r
        if line.startswith("REPORT "):
            console.print(Text(line.replace("\t", "  "), style="bold cyan"))
        elif line.startswith(("START ", "END ")):
            console.print(Text(line, style="dim"))
        elif line.startswith("[ERROR]") or "Task timed out" in line:
            console.print(Text(line.replace("\r", "\n"), style="red"))
        else:
            console.print(Text(line))
