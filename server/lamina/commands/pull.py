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
    _download_layers(pulled.layers, clients.lambda_client, profile)
    notice(f"next: cd {pulled.folder} && lamina invoke {pulled.logical_id}")


def _download_layers(arns: list[str], client: object, profile: str | None) -> None:
    """Each layer, from where the function was pulled, into the cache runs read layers from
    (so the pulled function runs at once, offline, even with layers only the emulator has)."""
    from lamina.commands.function_setup import stderr_progress
    from lamina.deploy.layer_download import LayerDownloader, LayerDownloadError
    from lamina.runtime.package_set import cache_root

    download = LayerDownloader(cache_root() / "layers", profile, stderr_progress, client)
    for arn in arns:
        try:
            notice(f"layer {arn}: in {download(arn)}; runs use it")
        except LayerDownloadError as e:
            notice(f"warning: {e}")
