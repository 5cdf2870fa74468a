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

if TYPE_CHECKING:
    from lamina.gateway.api_server import ApiOptions, ApiServer
    from lamina.gateway.front import RequestRecord
    from lamina.project import Project


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=3000, show_default=True)
@click.option(
    "--warm",
    is_flag=True,
    help="Start every function's environment at once (SAM's --warm-containers EAGER).",
)
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --host.")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
)
def api(host: str, port: int, warm: bool, allow_remote: bool, project_dir: Path) -> None:
    """Serve the template's API Gateway routes locally (like `sam local start-api`)."""
    from lamina.emulator.server import is_loopback
    from lamina.gateway.api_server import ApiOptions

    if not is_loopback(host) and not allow_remote:
        fail(f"--host {host} is reachable from other machines; add --allow-remote to mean it")
    project = load(project_dir)
    for warning in project.warnings:
        notice(f"warning: {warning}")
    options = ApiOptions(host=host, port=port, warm=warm)
    sys.exit(run_api(project, options))


def build_api_server(
    project: Project,
    options: ApiOptions,
    on_request: Callable[[RequestRecord], None] | None = None,
) -> ApiServer:
    """The ApiServer for a project's template, with each function's requirements installed.
    Raises ProjectError for a broken template or one without API events."""
    from lamina.commands.invoke import install_requirements
    from lamina.gateway.api_server import ApiServer
    from lamina.gateway.template_apis import read_template_apis
    from lamina.project import ProjectError
    from lamina.runtime.config import FunctionConfig, RuntimeOptions

    if project.template_path is None:
        raise ProjectError(f"no template.yaml in {project.root}: lamina api serves its API events")
    apis = read_template_apis(project.template_path, set(project.functions))
    for warning in apis.warnings:
        notice(f"warning: {warning}")
    if not apis.routes and not apis.function_urls:
        raise ProjectError(
            "the template has no API events (Events of Type Api or HttpApi) "
            "nor FunctionUrlConfig to serve",
            project.template_path,
        )
    python = str(project.settings.get("python") or sys.executable)
    runtime_client = str(project.settings.get("runtimeClient", "lamina"))
    configs = {}
    used = {route.function for route in apis.routes}
    used.update(url.function for url in apis.function_urls)
    for name in used:
        spec = project.functions[name]
        extra = install_requirements(spec, project, python)
        configs[name] = FunctionConfig.from_spec(spec, extra_paths=extra)
    if options.runtime is None:
        options.runtime = RuntimeOptions(python=python, runtime_client=runtime_client)
    return ApiServer(
        apis.routes, project.functions, configs, options, on_request, apis.function_urls
    )


def print_request(record: RequestRecord) -> None:
    """The function's logs, then one line per request (and why, for a gateway error)."""
    if record.logs:
        sys.stderr.write(record.logs)
    sys.stderr.write(record.summary() + "\n")
    sys.stderr.flush()


def packaged_changes(server: ApiServer) -> Callable[[str], None]:
    """A watcher callback that restarts functions only for files their package would hold
    (not __pycache__, .lamina/, .git/... nor what .laminaignore leaves out)."""
    from lamina.deploy.ignore_rules import IgnoreRules

    rules = {d: IgnoreRules.for_code_dir(d) for d in set(server.runner.code_dirs.values())}

    def on_change(path: str) -> None:
        changed = Path(path)
        for code_dir, dir_rules in rules.items():
            if changed.is_relative_to(code_dir):
                relative = changed.relative_to(code_dir).as_posix()
                if relative != "." and not dir_rules.ignored_path(relative):
                    server.runner.code_changed(path)
                    return

    return on_change


def run_api(project: Project, options: ApiOptions) -> int:
    import asyncio
    import contextlib
    import signal

    from lamina.deploy.file_watch import FileWatcher
    from lamina.emulator.server import run_event_loop
    from lamina.project import ProjectError

    try:
        server = build_api_server(project, options, print_request)
    except ProjectError as e:
        fail(str(e))

    async def serve() -> None:
        try:
            await server.start()
        except OSError as e:
            fail(f"cannot listen on {options.host}:{options.port}: {e.strerror}")
        loop = asyncio.get_running_loop()
        watcher = FileWatcher(
            sorted(set(server.runner.code_dirs.values())), packaged_changes(server)
        )
        await asyncio.to_thread(watcher.start, loop)
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
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
