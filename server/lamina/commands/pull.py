"""`lamina pull FUNCTION`: a deployed function becomes a local project, ready to run and sync."""

from __future__ import annotations

import os
from pathlib import Path

import click

from lamina.commands.console import fail, notice


@click.command()
@click.argument("function")
@click.option(
    "--target",
    type=click.Choice(["emulator", "aws"]),
    default="aws",
    show_default=True,
    help="Where the function is deployed.",
)
@click.option(
    "--endpoint-url", metavar="URL", help="The emulator's endpoint (with --target aws: Lambda's)."
)
@click.option("--profile", metavar="NAME", help="With --target aws: the AWS profile.")
@click.option("--region", metavar="REGION", help="With --target aws: the region.")
@click.option("--qualifier", metavar="Q", help="A version or alias (default: $LATEST).")
@click.option(
    "--to",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="The new project's folder (default: ./FUNCTION).",
)
def pull(
    function: str,
    target: str,
    endpoint_url: str | None,
    profile: str | None,
    region: str | None,
    qualifier: str | None,
    folder: Path | None,
) -> None:
    """Download a deployed FUNCTION's code and configuration into a new project (template.yaml
    and src/), ready for `lamina invoke`, debugging and `lamina sync` back."""
    from lamina.deploy.pull import PullError, pull_function
    from lamina.deploy.sync_errors import SyncError
    from lamina.deploy.sync_settings import SyncSettings, SyncTarget
    from lamina.deploy.targets import make_clients

    destination = Path(os.path.abspath(folder or Path(function.rsplit(":", 1)[-1])))
    settings = SyncSettings(target=SyncTarget(target), profile=profile, region=region)
    try:
        clients = make_clients(settings, endpoint_override=endpoint_url)
        pulled = pull_function(clients, function, destination, qualifier)
    except (PullError, SyncError) as e:
        fail(str(e.message if isinstance(e, SyncError) else e))
    click.echo(
        f"pulled {pulled.name} into {pulled.folder}: {pulled.files} files in src/, "
        f"template.yaml ({pulled.logical_id})"
    )
    for layer in pulled.layers:
        notice(f"layer {layer} is listed, not downloaded: map it with the `layers` setting")
    notice(f"next: cd {pulled.folder} && lamina invoke {pulled.logical_id}")
