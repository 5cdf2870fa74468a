"""`lamina functions`: what the project model found."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from lamina.commands.console import load, notice, relative
from lamina.commands.project_flags import project_dir_option, project_flags
from lamina.commands.source_event import event_types


@click.command()
@project_flags()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@project_dir_option
def functions(as_json: bool, project_dir: Path) -> None:
    """List the functions the project defines (SAM, CDK, Serverless, Terraform, pyproject)."""
    from lamina.project.discovery import find_handler_location, module_file

    project = load(project_dir)
    for warning in project.warnings:
        notice(f"warning: {warning}")
    rows: list[dict[str, Any]] = []
    choices: dict[str, Any] = {}  # runtime -> its interpreter choice: one search per runtime
    for spec in project.functions.values():
        location = find_handler_location(spec)
        python, python_version, python_source = _interpreter(
            spec, project.settings, choices, project.root
        )
        rows.append(
            {
                "logicalId": spec.logical_id,
                "functionName": spec.function_name,
                "handler": spec.handler,
                "runtime": spec.runtime,
                "codeUri": relative(spec.code_dir, project.root),
                "handlerFile": f"{relative(location[0], project.root)}:{location[1]}"
                if location
                else None,
                "timeout": spec.timeout,
                "memorySize": spec.memory_size,
                "events": [e.name for e in spec.events],
                "eventSources": event_types(spec.template_events),
                "source": spec.source,
                "python": python,
                "pythonVersion": python_version,
                "pythonSource": python_source,
            }
        )
        module = module_file(spec.code_dir, spec.module) if not location and spec.module else None
        if module is not None:  # the file is there, the function is not (`Handler: app.py`)
            rows[-1]["handlerModule"] = relative(module, project.root)
            rows[-1]["handlersThere"] = _handlers_in(module)
        elif not location and (spec.code_dir / spec.handler).is_file():  # run.sh: a wrapper's
            rows[-1]["handlerProgram"] = relative(spec.code_dir / spec.handler, project.root)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows and (project.root / "cdk.json").is_file() and project.template_path is None:
        notice(f"no functions: {project.root} is a CDK app without cdk.out; run `cdk synth` first")
        return
    skipped = [w for w in project.warnings if ": skipped: " in w]
    if not rows and skipped and project.template_path is not None:
        notice(
            f"no functions to run: {relative(project.template_path, project.root)} defines "
            f"{len(skipped)}, all skipped (the warnings above say why)"
        )
        return
    if not rows:
        notice(
            f"no functions found in {project.root} (looked for template.yaml, cdk.out, "
            "serverless.yml, *.tf and [tool.lamina.functions])"
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "Function", "Handler", "Where", "Runtime", "Python", "Timeout", "Memory", "Events"
    )
    for row in rows:
        name = (
            row["logicalId"]
            if row["logicalId"] == row["functionName"]
            else f"{row['logicalId']} ({row['functionName']})"
        )
        where = row["handlerFile"] or f"{row['codeUri']} (handler file not found)"
        if row["handlerFile"] is None and row.get("handlerModule"):
            function = str(row["handler"]).rpartition(".")[2]
            there = ", ".join(row["handlersThere"]) or "none"
            where = f"{row['handlerModule']} (no function {function!r}; handlers there: {there})"
        if row["handlerFile"] is None and row.get("handlerProgram"):
            where = f"{row['handlerProgram']} (run by an exec wrapper)"
        events = _events_cell(row["eventSources"], row["events"])
        table.add_row(
            str(name),
            str(row["handler"]),
            str(where),
            str(row["runtime"]),
            f"{row['pythonVersion']} {row['python']}" if row["python"] else "-",
            f"{row['timeout']} s",
            f"{row['memorySize']} MB",
            events,
        )
    # Piped output (grep, less, a file) keeps every cell whole, paths included: the table takes
    # its natural width, however wide, rather than rich's 80 columns or an ellipsis.
    Console(width=None if sys.stdout.isatty() else _PIPED_WIDTH).print(table)


def _handlers_in(module: Path) -> list[str]:
    """The handler-shaped functions a module does define, to name beside a missing one."""
    from lamina.project.discovery import handler_candidates

    try:
        source = module.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [name for name, _line in handler_candidates(source)]


_PIPED_WIDTH = 100_000  # wider than any table: it is never filled, the rows stop at their end


def _events_cell(sources: list[str], samples: list[str]) -> str:
    """The template's event sources (`SQS ×2, Schedule`), then the events/*.json samples."""
    counts = {kind: sources.count(kind) for kind in sources}  # template order, each type once
    kinds = ", ".join(f"{kind} ×{n}" if n > 1 else kind for kind, n in counts.items())
    parts = [kinds] if kinds else []
    if samples:
        parts.append(f"samples: {', '.join(samples)}")
    return "; ".join(parts) or "-"


_SOME_FUNCTION = "\0"  # stands for the function's name in a choice shared by one runtime


def _interpreter(
    spec: Any, settings: dict[str, object], choices: dict[str, Any], root: Path
) -> tuple[str | None, str | None, str | None]:
    """The interpreter `lamina invoke` would run the function on (its warnings, once each).
    The search (PATH, pyenv, uv, conda) is made once per runtime and kept in `choices`."""
    from lamina.project.folder_settings import interpreter_mapping, interpreter_path
    from lamina.runtime.interpreters import choose_interpreter
    from lamina.runtime.package_set import InterpreterError

    if spec.runtime not in choices:
        python = settings.get("python")
        try:
            choices[spec.runtime] = choose_interpreter(
                _SOME_FUNCTION,
                spec.runtime,
                interpreters=interpreter_mapping(settings.get("interpreters"), root),
                python_setting=interpreter_path(str(python), root) if python else None,
            )
        except InterpreterError as e:
            choices[spec.runtime] = e
    choice = choices[spec.runtime]
    if isinstance(choice, InterpreterError):
        notice(f"warning: {str(choice).replace(_SOME_FUNCTION, spec.logical_id)}")
        return None, None, None
    for warning in choice.warnings:
        notice(f"warning: {warning.replace(_SOME_FUNCTION, spec.logical_id)}")
    return choice.path, choice.version, choice.source
