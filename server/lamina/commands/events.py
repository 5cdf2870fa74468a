"""`lamina events`: the sample-event generator's sources, and generated events."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lamina.commands.console import fail, load, relative
from lamina.commands.project_flags import project_dir_option, project_flags


@click.group()
def events() -> None:
    """Sample events: the generator's sources, and generated events."""


@events.command("list")
@project_flags()
@project_dir_option
def events_list(project_dir: Path) -> None:
    """List the event sources `generate` knows, and the project's own sample events."""
    from lamina.events import list_sources

    click.echo("Event sources (lamina events generate SOURCE [--set KEY=VALUE]):")
    for source in list_sources():
        click.echo(f"  {source.name:<22} {source.description}")
        if source.keys:
            click.echo(f"  {'':<22} keys: {', '.join(source.keys)}")
    project = load(project_dir)
    if project.functions:
        samples = [(spec.logical_id, e) for spec in project.functions.values() for e in spec.events]
        if samples:
            click.echo("\nThe project's sample events:")
            for logical_id, sample in samples:
                click.echo(
                    f"  {logical_id:<22} {sample.name:<20} {relative(sample.path, project.root)}"
                )


@events.command("generate")
@click.argument("source", required=False)
@click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Set a field (repeatable)."
)
@click.option(
    "--function",
    metavar="FUNCTION",
    help="Fill in the method, path, resource and stage of FUNCTION's API route (and the source); "
    "without one, the source of its other events (Schedule, SQS, S3, ...).",
)
@click.option("--route", metavar="'METHOD /path'", help="With --function: which of its routes.")
@project_flags()  # the project --function reads
@project_dir_option
def events_generate(
    source: str | None,
    overrides: tuple[str, ...],
    function: str | None = None,
    route: str | None = None,
    project_dir: Path = Path("."),
) -> None:
    """Print a sample event for SOURCE (apigateway-http, sqs, s3-put, ...)."""
    from lamina.events import generate

    values: dict[str, str] = {}
    if function:
        from lamina.commands.route_event import route_values

        source, values = route_values(load(project_dir), function, route, source)
    elif source is None:
        fail("missing SOURCE (see lamina events list), or --function FUNCTION")
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"--set takes KEY=VALUE, got {item!r}")
        values[key] = value
    try:
        event = generate(source, values)
    except ValueError as e:
        fail(str(e))
    click.echo(json.dumps(event, indent=2))
