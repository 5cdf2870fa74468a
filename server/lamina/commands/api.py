"""`lamina api`: the project's API Gateway routes on http://127.0.0.1:3000, the counterpart of
`sam local start-api` without Docker. The workspace code runs through the runtime pool, so a
save is live on the next request."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lamina.commands.api_requests import print_request, saving_events
from lamina.commands.api_setup import build_api_server, debug_target_for, override_environments
from lamina.commands.api_watch import watch_code
from lamina.commands.console import fail, load, notice, write_stderr
from lamina.commands.keep_alive import keep_alive_option
from lamina.commands.project_flags import project_dir_option, project_flags

if TYPE_CHECKING:
    from lamina.emulator.project_sync import EmulatorCopies
    from lamina.emulator.server import EmulatorServer, ServeOptions
    from lamina.gateway.api_server import ApiOptions, ApiServer
    from lamina.gateway.request_record import RequestRecord
    from lamina.project import Project


@click.command()
@project_flags("local_start_api")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=3000,
    show_default=True,
    help="The port (a serverless.yml's custom.serverless-offline.httpPort, when it sets one).",
)
@click.option(
    "--env-vars",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Environment overrides: SAM's JSON file ({LogicalId: {...}, Parameters: {...}}).",
)
@click.option(
    "--warm",
    is_flag=True,
    help="Start every function's environment at once (SAM's --warm-containers EAGER).",
)
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --host.")
@click.option(
    "--debug",
    "debug_target",
    metavar="FUNCTION[:PORT]",
    help="Run FUNCTION's requests under debugpy, one at a time, on PORT (default: any free one).",
)
@click.option(
    "--save-events",
    is_flag=True,
    help="Save each function's last request event to events/last-request-FUNCTION.json.",
)
@keep_alive_option
@project_dir_option
def api(
    host: str,
    port: int,
    warm: bool,
    allow_remote: bool,
    project_dir: Path,
    debug_target: str | None = None,
    save_events: bool = False,
    env_vars: Path | None = None,
    keep_alive: float = 75.0,
) -> None:
    """Serve the template's API Gateway routes locally (like `sam local start-api`)."""
    from lamina.gateway.api_server import ApiOptions
    from lamina.listen_address import is_loopback

    if not is_loopback(host) and not allow_remote:
        fail(f"--host {host} is reachable from other machines; add --allow-remote to mean it")
    project = load(project_dir)
    for warning in project.warnings:
        notice(f"warning: {warning}")
    if env_vars is not None:
        override_environments(project, env_vars)
    host, port = _offline_defaults(project, host, port)
    options = ApiOptions(
        host=host, port=port, warm=warm, save_events=save_events, keep_alive_s=keep_alive
    )
    if debug_target:
        options.debug = debug_target_for(project, debug_target)
    sys.exit(run_api(project, options))


def _offline_defaults(project: Project, host: str, port: int) -> tuple[str, int]:
    """serverless-offline's httpPort (and loopback host), where --host/--port aren't given on
    the command line or in samconfig: the address its users' clients already call."""
    from click.core import ParameterSource

    context = click.get_current_context()
    if project.api_port is not None and context.get_parameter_source("port") is (
        ParameterSource.DEFAULT
    ):
        port = project.api_port
    if project.api_host is not None and context.get_parameter_source("host") is (
        ParameterSource.DEFAULT
    ):
        host = project.api_host
    return host, port


def serve_with_api(serve_options: ServeOptions, api_port: int) -> int:
    """`lamina serve --api`: the emulator and the project's API in one process and loop."""
    import asyncio
    import contextlib
    import logging
    import signal

    from lamina.emulator.server import EmulatorServer, ServeError, banner
    from lamina.event_loop import run_event_loop
    from lamina.gateway.api_server import ApiOptions
    from lamina.project import ProjectError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    project = load(Path.cwd())
    try:
        api = build_api_server(
            project,
            ApiOptions(
                host=serve_options.host, port=api_port, keep_alive_s=serve_options.keep_alive_s
            ),
            print_request,
        )
    except ProjectError as e:
        fail(str(e))

    async def serve() -> None:
        emulator = EmulatorServer(serve_options, invocation_sink=write_stderr)
        await emulator.start()
        copies = await connect_neighbours(project, emulator, api)
        try:
            await api.start()
        except OSError as e:
            await emulator.stop()
            fail(f"cannot listen on {serve_options.host}:{api_port}: {e.strerror}")
        # The emulator's functions answer the API's WebSocket clients as its own functions do.
        emulator.function_env.extra = dict(api.service_environment)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # A save reaches the emulator's copies on the same event as the API's functions.
        watcher = await watch_code(api, loop, copies.on_change, copies.code_dirs())
        # SIGHUP too (a closed terminal): stopping ends every environment, none is orphaned.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        sys.stdout.write(banner(emulator) + "\n" + "\n".join(api.banner_lines()) + "\n")
        sys.stdout.flush()
        try:
            await stop.wait()
        finally:
            await asyncio.to_thread(watcher.stop)
            await copies.close()
            await api.stop()
            await emulator.stop()

    try:
        run_event_loop(serve())
    except ServeError as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    return 0


async def connect_neighbours(
    project: Project, emulator: EmulatorServer, api: ApiServer
) -> EmulatorCopies:
    """`lamina serve --api`: the template's functions are deployed into the emulator under their
    names, and the API's functions call Lambda there (unless their own variables say otherwise),
    so a handler that invokes another function of the template reaches it on this machine. The
    copies returned keep them in step with later saves."""
    from lamina.deploy.project_identity import project_id
    from lamina.emulator.project_sync import EmulatorCopies
    from lamina.emulator.sample_deploy import ProjectTags, deploy_project, local_refs

    assert emulator.emulator is not None
    cache = emulator.options.data_dir / "cache"
    owner = ProjectTags(project_id(project.root), str(project.root))
    copies = EmulatorCopies(emulator.emulator, project, cache, owner, lambda line: notice(line))
    for outcome in await deploy_project(emulator.emulator, project, cache, owner, copies.package):
        if outcome.status.startswith("failed"):
            notice(f"warning: {outcome.function} is not in the emulator: {outcome.status}")
        elif outcome.status.startswith("refused: "):  # another project's function by that name
            notice(f"warning: {outcome.status.removeprefix('refused: ')}")
    api.add_environment({"AWS_ENDPOINT_URL_LAMBDA": emulator.endpoint}, keep_own=True)
    api.change_environments(lambda own: local_refs(own, project))
    return copies


def lambda_calls_note(project: Project, server: ApiServer) -> list[str]:
    """Where a handler's Lambda calls go, said once when the template has functions no route
    runs (those a handler may invoke): to AWS, as with sam local start-api."""
    others = sorted(set(project.functions) - set(server.runner.configs))
    pointed = any(
        "AWS_ENDPOINT_URL_LAMBDA" in dict(c.environment) for c in server.runner.configs.values()
    )
    if not others or pointed:  # (--env-vars may point them at an emulator)
        return []
    return [
        f"  note: a handler's Lambda calls go to AWS, not to {', '.join(others)} here; "
        "`lamina serve --api` runs them in the emulator beside the API"
    ]


def run_api(project: Project, options: ApiOptions) -> int:
    import asyncio
    import contextlib
    import signal

    from lamina.event_loop import run_event_loop
    from lamina.project import ProjectError

    on_request: Callable[[RequestRecord], None] = print_request
    if options.save_events:
        on_request = saving_events(project, print_request)
    try:
        server = build_api_server(project, options, on_request)
    except ProjectError as e:
        fail(str(e))

    async def serve() -> None:
        try:
            await server.start()
        except OSError as e:
            fail(f"cannot listen on {options.host}:{options.port}: {e.strerror}")
        loop = asyncio.get_running_loop()
        watcher = await watch_code(server, loop)
        stop = asyncio.Event()
        # SIGHUP too (a closed terminal): stopping ends every environment, none is orphaned.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        sys.stdout.write("\n".join([*server.banner_lines(), *lambda_calls_note(project, server)]))
        sys.stdout.write("\n")
        sys.stdout.flush()
        try:
            await stop.wait()
        finally:
            await asyncio.to_thread(watcher.stop)
            await server.stop()

    run_event_loop(serve())
    return 0
