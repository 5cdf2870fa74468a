"""`lamina api`: the project's API Gateway routes on http://127.0.0.1:3000, the counterpart of
`sam local start-api` without Docker. The workspace code runs through the runtime pool, so a
save is live on the next request."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lamina.commands.console import fail, load, notice
from lamina.commands.project_flags import project_dir_option, project_flags

if TYPE_CHECKING:
    import asyncio
    from datetime import datetime

    from lamina.deploy.file_watch import FileWatcher
    from lamina.emulator.server import ServeOptions
    from lamina.gateway.api_server import ApiOptions, ApiServer
    from lamina.gateway.front import RequestRecord
    from lamina.gateway.function_runner import DebugTarget
    from lamina.project import Project
    from lamina.runtime.pool import CredentialsProvider


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
    options = ApiOptions(host=host, port=port, warm=warm, save_events=save_events)
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


def override_environments(project: Project, env_vars: Path) -> None:
    """--env-vars: each function's variables, over the template's (as lamina invoke does)."""
    from lamina.project import ProjectError
    from lamina.project.env_vars_file import load_env_overrides

    try:
        for spec in project.functions.values():  # a new dict: specs may share one
            spec.environment = {**spec.environment, **load_env_overrides(env_vars, spec)}
    except ProjectError as e:
        fail(str(e))


def debug_target_for(project: Project, text: str) -> DebugTarget:
    """--debug FUNCTION[:PORT] → where that function's requests wait for a debugger."""
    import json
    import socket
    import uuid

    from lamina.commands.function_setup import debug_settings
    from lamina.gateway.function_runner import DebugTarget, debug_refusal
    from lamina.project import ProjectError
    from lamina.runtime.debug import attach_configuration

    name, _, port_text = text.partition(":")
    if not name or (port_text and not port_text.isdigit()) or int(port_text or 0) > 65535:
        fail(f"--debug {text!r}: expected FUNCTION or FUNCTION:PORT")
    try:
        spec = project.find(name)
    except ProjectError as e:
        fail(f"--debug: {e}")
    function = spec.logical_id
    refusal = debug_refusal(function, spec.runtime)
    if refusal is not None:
        fail(f"--debug: {refusal}")
    port = int(port_text or 0)
    if port == 0:  # one port for the whole session, so one attach configuration keeps working
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    settings = debug_settings(project.settings, port)
    session = f"api-{uuid.uuid4().hex[:8]}"

    def announce(debug_port: int, request_id: str) -> None:
        attach = attach_configuration(debug_port, function, session)
        write_stderr(
            f"debug {function}: request {request_id} waits for a debugger on "
            f"127.0.0.1:{debug_port}; attach with {json.dumps(attach)}\n"
        )

    return DebugTarget(function, settings, announce)


def build_api_server(
    project: Project,
    options: ApiOptions,
    on_request: Callable[[RequestRecord], None] | None = None,
) -> ApiServer:
    """The ApiServer for a project's template, with each function's requirements installed.
    Raises ProjectError for a broken template or one without API events."""
    from lamina.commands.function_setup import function_config
    from lamina.gateway.api_server import ApiServer
    from lamina.gateway.template_apis import read_template_apis
    from lamina.project import ProjectError
    from lamina.runtime.config import RuntimeOptions

    if project.template_path is None:
        raise ProjectError(f"no template.yaml in {project.root}: lamina api serves its API events")
    from lamina.gateway.jwt_authorizers import jwks_setting

    jwks = jwks_setting(project.settings, project.root)
    overrides = project.options.parameter_overrides  # a serverless.yml's --stage, ${opt:...}
    apis = read_template_apis(project.template_path, set(project.functions), jwks, overrides)
    for warning in apis.warnings:
        notice(f"warning: {warning}")
    if not apis.routes and not apis.function_urls and not apis.websocket_apis:
        skipped = sum("route skipped" in warning for warning in apis.warnings)
        if skipped:  # there are API events, for functions Lamina doesn't run (nodejs, images)
            raise ProjectError(
                f"nothing to serve: the template's {skipped} API route(s) are all skipped "
                "(the warnings above say why)",
                project.template_path,
            )
        raise ProjectError(
            "nothing to serve: no API events (Events of Type Api or HttpApi), API Gateway "
            "resources nor Function URLs",
            project.template_path,
        )
    python = str(project.settings.get("python") or sys.executable)
    runtime_client = str(project.settings.get("runtimeClient", "lamina"))
    configs = {}
    for name in apis.functions():
        configs[name] = function_config(project.functions[name], project)
    if options.runtime is None:
        options.runtime = RuntimeOptions(python=python, runtime_client=runtime_client)
    if options.tls_dir is None:
        from lamina.project.workspace import state_dir

        options.tls_dir = state_dir(project.root) / "tls"
    server = ApiServer(
        apis.routes,
        project.functions,
        configs,
        options,
        on_request,
        apis.function_urls,
        apis.websocket_apis,
        credentials=function_credentials(project),
        on_line=lambda line: write_stderr(line + "\n"),
    )
    template = project.template_path
    server.watch_template(
        template, lambda: read_template_apis(template, set(project.functions), jwks, overrides)
    )
    return server


def function_credentials(project: Project) -> CredentialsProvider:
    """The functions' credentials, as for lamina invoke: credentials.assumeRole, then
    credentials.profile, then the environment's (none when nothing is configured)."""
    from lamina.commands.function_setup import setting_text
    from lamina.runtime.config import default_region
    from lamina.runtime.credentials import credential_source

    settings = project.settings
    source = credential_source(
        setting_text(settings, "credentials.assumeRole"),
        setting_text(settings, "credentials.profile"),
        default_region(),
        session_name="lamina-api",
    )

    async def provide() -> tuple[dict[str, str], datetime | None]:
        creds = await source.current()
        return (creds.as_env(), creds.expiry) if creds else ({}, None)

    return provide


def print_request(record: RequestRecord) -> None:
    """The function's logs, then one line per request (and why, for a gateway error)."""
    sys.stderr.write(record.logs + record.summary() + "\n")  # one write a request
    sys.stderr.flush()


def packaged_changes(server: ApiServer) -> Callable[[str], None]:
    """A watcher callback that restarts functions only for files their package would hold
    (not __pycache__, .lamina/, .git/... nor what .laminaignore leaves out), and not for the
    events/ folder."""
    from lamina.deploy.ignore_rules import IgnoreRules

    rules = {d: IgnoreRules.for_code_dir(d) for d in set(server.runner.code_dirs.values())}

    def on_change(path: str) -> None:
        changed = Path(path)
        for code_dir, dir_rules in rules.items():
            if changed.is_relative_to(code_dir):
                relative = changed.relative_to(code_dir).as_posix()
                if relative.startswith("events/"):
                    continue  # sample events (and --save-events' own writes) are not code
                if relative != "." and not dir_rules.ignored_path(relative):
                    server.runner.code_changed(path)
                    return

    return on_change


def saving_events(
    project: Project, then: Callable[[RequestRecord], None]
) -> Callable[[RequestRecord], None]:
    """--save-events: each request's event to its function's events/ folder, then `then`."""
    from lamina.gateway.saved_events import save_last_event

    def on_request(record: RequestRecord) -> None:
        spec = project.functions.get(record.function or "")
        if spec is not None and record.event is not None:
            try:
                path = save_last_event(spec, record.event)
            except OSError as e:
                record.problem = f"could not save the event: {e}"
            else:
                record.problem = record.problem or f"event saved to {path}"
        then(record)

    return on_request


def write_stderr(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


async def watch_code(server: ApiServer, loop: asyncio.AbstractEventLoop) -> FileWatcher:
    """Watch the functions' code folders: a change restarts what it touches."""
    import asyncio

    from lamina.deploy.file_watch import FileWatcher

    watcher = FileWatcher(sorted(set(server.runner.code_dirs.values())), packaged_changes(server))
    await asyncio.to_thread(watcher.start, loop)
    return watcher


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
            project, ApiOptions(host=serve_options.host, port=api_port), print_request
        )
    except ProjectError as e:
        fail(str(e))

    async def serve() -> None:
        emulator = EmulatorServer(serve_options, invocation_sink=write_stderr)
        await emulator.start()
        try:
            await api.start()
        except OSError as e:
            await emulator.stop()
            fail(f"cannot listen on {serve_options.host}:{api_port}: {e.strerror}")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        watcher = await watch_code(api, loop)
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
            await api.stop()
            await emulator.stop()

    try:
        run_event_loop(serve())
    except ServeError as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    return 0


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
        sys.stdout.write("\n".join(server.banner_lines()) + "\n")
        sys.stdout.flush()
        try:
            await stop.wait()
        finally:
            await asyncio.to_thread(watcher.stop)
            await server.stop()

    run_event_loop(serve())
    return 0
