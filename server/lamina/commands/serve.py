"""`lamina serve`: the Lambda API emulator."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lamina.commands.console import fail
from lamina.commands.keep_alive import keep_alive_option
from lamina.commands.project_flags import project_flags


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=3001, show_default=True)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where functions and code are kept.  [default: .lamina/state/emulator]",
)
@click.option(
    "--update-delay",
    "update_delay",
    type=click.IntRange(min=0),
    default=0,
    metavar="MS",
    help="Keep updates InProgress this long, as AWS does (default: done at once).",
)
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --host.")
@click.option(
    "--async-retry-delays",
    metavar="S[,S]",
    help="Seconds before the 1st and 2nd retry of a failed async invoke (AWS: about 60,120).",
)
@click.option(
    "--sqs-endpoint",
    metavar="URL",
    help="SQS endpoint for event source mappings (default: AWS_ENDPOINT_URL_SQS, else AWS).",
)
@click.option(
    "--deploy-samples", is_flag=True, help="Package and deploy the sample functions at start."
)
@click.option(
    "--debug",
    "debug_target",
    metavar="FUNCTION[:PORT]",
    help="Run FUNCTION's invocations under debugpy, one at a time, on PORT (default: any).",
)
@click.option(
    "--api",
    "with_api",
    is_flag=True,
    help="Also serve the project's API Gateway routes (lamina api) on --api-port.",
)
@click.option("--api-port", type=click.IntRange(0, 65535), default=3000, show_default=True)
@click.option(
    "--skip-time",
    is_flag=True,
    help="Durable functions: waits, retry back-off and timeouts end at once (history keeps "
    "their durations).",
)
@keep_alive_option
@project_flags("local_start_api")  # the project --api serves
def serve(
    host: str,
    port: int,
    data_dir: Path | None,
    update_delay: int,
    allow_remote: bool,
    async_retry_delays: str | None = None,
    sqs_endpoint: str | None = None,
    deploy_samples: bool = False,
    debug_target: str | None = None,
    with_api: bool = False,
    api_port: int = 3000,
    skip_time: bool = False,
    keep_alive: float = 75.0,
) -> None:
    """Serve AWS Lambda's API locally (boto3, the AWS CLI, any SDK: use --endpoint-url)."""
    from lamina.emulator.server import ServeError, ServeOptions, cli_extras, run

    try:
        extras = cli_extras(async_retry_delays, sqs_endpoint, deploy_samples, debug_target)
    except ServeError as e:
        fail(str(e))
    if data_dir is None:
        from lamina.project.workspace import state_dir

        data_dir = state_dir(Path.cwd()) / "emulator"
    options = ServeOptions(
        data_dir=data_dir.resolve(),
        host=host,
        port=port,
        update_delay_ms=update_delay,
        allow_remote=allow_remote,
        skip_time=skip_time,
        keep_alive_s=keep_alive,
        **extras,
    )
    if with_api:
        from lamina.commands.api import serve_with_api

        sys.exit(serve_with_api(options, api_port))
    sys.exit(run(options))
