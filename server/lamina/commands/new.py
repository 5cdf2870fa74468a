"""`lamina new`: scaffold a function (the same module as the editor's createHandler)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from lamina.commands.console import fail, load, relative
from lamina.commands.project_flags import project_dir_option, project_flags


@click.command()
@click.argument("kind", metavar="TEMPLATE")
@click.argument("name", metavar="FUNCTION_NAME")
@click.option("--path", "code_path", metavar="DIR", help="The code folder (CodeUri), default src.")
@project_dir_option
@project_flags()
def new(kind: str, name: str, code_path: str | None, project_dir: Path) -> None:
    """Create a function from TEMPLATE: plain, http-api, sqs, s3, eventbridge or scheduled.

    Writes the handler, adds it to the project's template (the one -t, the `template` setting
    or samconfig names, else template.yaml, created if absent; its comments are kept), and adds
    a sample event and a unit test."""
    from lamina.project import ProjectError
    from lamina.project.scaffold import plan_function, template_to_extend, write_plan

    project_dir.mkdir(parents=True, exist_ok=True)
    project_file = load(project_dir).template_path
    try:
        target = template_to_extend(project_dir, project_file)
        plan = plan_function(project_dir, kind, name, code_path, template_path=target)
        written = write_plan(plan)
    except ProjectError as e:
        fail(str(e))
    root = Path(os.path.abspath(project_dir))
    click.echo(f"Created {plan.logical_id} ({plan.kind}):")
    for path, planned in zip(written, plan.files, strict=True):
        click.echo(f"  {'updated' if not planned.is_new else 'created'} {relative(path, root)}")
    click.echo(f"Run it: lamina invoke {plan.logical_id} --event {plan.event_file.stem}")
