"""`lamina sync`: deploy code to the emulator or AWS, once or on every change."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lamina.commands.console import fail, load, notice
from lamina.commands.project_flags import project_dir_option, project_flags


@click.command()
@project_flags("sync")
@click.argument("functions", nargs=-1, metavar="[FUNCTION]...")
@click.option(
    "--target",
    type=click.Choice(["emulator", "aws"]),
    help="Where to deploy (default: the sync.target setting, else emulator).",
)
@click.option(
    "--endpoint-url", metavar="URL", help="The emulator's endpoint (with --target aws: Lambda's)."
)
@click.option("--watch", is_flag=True, help="Keep deploying on every change, until Ctrl-C.")
@click.option("--publish", is_flag=True, help="Publish a version after each deploy.")
@click.option("--alias", metavar="NAME", help="Point this alias at the published version.")
@click.option(
    "--force",
    is_flag=True,
    help="On a shared emulator, deploy over a function another project made.",
)
@project_dir_option
def sync(
    functions: tuple[str, ...],
    target: str | None,
    endpoint_url: str | None,
    watch: bool,
    publish: bool,
    alias: str | None,
    project_dir: Path,
    force: bool = False,
) -> None:
    """Deploy FUNCTIONs (default: all) to the emulator or to AWS; with --watch, on every change."""
    import logging

    from lamina.deploy.sync_console import SyncRequest, run_sync
    from lamina.project import ProjectError

    # The status display already shows each failure; on stderr go only errors nothing else shows
    # (Python's last-resort handler would otherwise print every failure a second time).
    handler = logging.StreamHandler()
    handler.setLevel(logging.ERROR)
    logging.getLogger("lamina").addHandler(handler)
    # ...and the warning that sync made a public Function URL on AWS, which nothing else shows.
    urls = logging.getLogger("lamina.deploy.function_urls")
    urls.propagate = False
    urls.addHandler(logging.StreamHandler())
    urls.setLevel(logging.WARNING)

    project = load(project_dir)
    for warning in project.warnings:
        notice(f"warning: {warning}")
    request = SyncRequest(functions, target, endpoint_url, watch, publish, alias, force)
    try:
        code = run_sync(project, request)
    except (ProjectError, ValueError) as e:
        fail(str(e))
    sys.exit(code)
