"""The `lamina` command: the same core as the editor integrations, with no editor.

Start-up time matters here (`lamina invoke` is measured against python-lambda-local's CLI), so
the heavy imports (asyncio, the runtime, rich, botocore) happen inside the commands that use them.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from lamina import __version__

if TYPE_CHECKING:
    from lamina.project import FunctionSpec, Project
    from lamina.runtime.debug import DebugSettings
    from lamina.runtime.invocation import InvocationResult


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr, no traceback."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def notice(message: str) -> None:
    click.echo(f"lamina: {message}", err=True)


def load(project_dir: Path) -> Project:
    from lamina.project import ProjectError, load_project

    try:
        project = load_project(project_dir)
    except ProjectError as e:
        fail(str(e))
    return project


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lamina")
def main() -> None:
    """Lamina: write, run, debug and ship AWS Lambda Python handlers locally, without Docker."""


# --- invoke ------------------------------------------------------------------------------------


@main.command()
@click.argument("function", required=False)
@click.option(
    "--config",
    "config_name",
    metavar="NAME",
    help="Run a saved run configuration (.lamina/run-configurations.json).",
)
@click.option("-e", "--event", "event", help="Event: a JSON file, '-' for stdin, or an event name.")
@click.option(
    "--env-vars",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Env var overrides (SAM's JSON format).",
)
@click.option(
    "--timeout", type=click.FloatRange(min=0.001, max=900), help="Override the timeout (seconds)."
)
@click.option(
    "--memory", type=click.IntRange(min=128, max=10240), help="Override the memory size (MB)."
)
@click.option(
    "--runtime-client",
    type=click.Choice(["lamina", "awslambdaric"]),
    help="The runtime client in the environment.",
)
@click.option(
    "--assume-role", metavar="ARN", help="Run with this role's credentials (STS AssumeRole)."
)
@click.option("--profile", metavar="NAME", help="Run with this AWS profile's credentials.")
@click.option("--python", "python", metavar="PATH", help="The interpreter that runs the handler.")
@click.option("--no-freeze", is_flag=True, help="Don't freeze the environment between invokes.")
@click.option(
    "--debug", is_flag=True, help="Start debugpy on loopback and wait for an editor to attach."
)
@click.option(
    "--debug-port", type=click.IntRange(0, 65535), help="debugpy's port (default: any free one)."
)
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
)
@click.option(
    "--endpoint-url",
    metavar="URL",
    help="Invoke the function deployed at this Lambda API endpoint (lamina serve, or AWS).",
)
@click.option("--qualifier", metavar="Q", help="With --endpoint-url: a version or alias.")
def invoke(
    function: str | None,
    event: str | None,
    env_vars: Path | None,
    timeout: float | None,
    memory: int | None,
    runtime_client: str | None,
    assume_role: str | None,
    profile: str | None,
    python: str | None,
    no_freeze: bool,
    debug: bool,
    debug_port: int | None,
    project_dir: Path,
    endpoint_url: str | None = None,
    qualifier: str | None = None,
    config_name: str | None = None,
) -> None:
    """Run FUNCTION (a logical id, a function name, or path/to/file.py:function) once, locally.

    With --endpoint-url, invoke the deployed function named FUNCTION there instead.
    The result goes to stdout, the logs to stderr. Exits 1 on a function error."""
    config_env: dict[str, str] = {}
    if config_name:
        function, event, config_env = run_configuration(config_name, function, event, project_dir)
    if function is None:
        fail("missing FUNCTION (a logical id, a function name, or path/to/file.py:function)")
    if endpoint_url:
        invoke_deployed(function, event, endpoint_url, qualifier, profile, project_dir)
    if qualifier:
        fail("--qualifier needs --endpoint-url (a local run has no versions)")
    from lamina.project import ProjectError

    project = load(project_dir)
    for warning in project.warnings:
        notice(f"warning: {warning}")
    try:
        spec = project.find(function)
        payload = read_event(event, spec, project)
        environment = dict(spec.environment)
        environment.update(config_env)
        if env_vars is not None:
            from lamina.project.env_vars_file import load_env_overrides

            environment.update(load_env_overrides(env_vars, spec))
    except ProjectError as e:
        fail(str(e))
    settings = project.settings
    result = run_once(
        spec,
        project,
        payload,
        environment=environment,
        timeout=timeout,
        memory=memory,
        runtime_client=runtime_client or str(settings.get("runtimeClient", "lamina")),
        python=python or str(settings.get("python") or sys.executable),
        freeze=not no_freeze,
        assume_role=assume_role or _setting(settings, "credentials.assumeRole"),
        profile=profile or _setting(settings, "credentials.profile"),
        debug=debug_settings(settings, debug_port) if debug or debug_port is not None else None,
    )
    print_logs(result.logs)
    sys.stdout.buffer.write(result.payload + b"\n")
    exit_now(0 if result.ok else 1)


def invoke_deployed(
    function: str,
    event: str | None,
    endpoint_url: str,
    qualifier: str | None,
    profile: str | None,
    project_dir: Path,
) -> NoReturn:
    """`lamina invoke --endpoint-url`: through the Lambda API, with boto3."""
    from lamina.emulator.client import RemoteInvokeError, invoke_remote, read_event

    try:
        payload = read_event(event, function, project_dir)
        result = invoke_remote(function, payload, endpoint_url, qualifier, profile)
    except RemoteInvokeError as e:
        fail(str(e))
    print_logs(result.logs)
    sys.stdout.buffer.write(result.payload + b"\n")
    exit_now(1 if result.function_error else 0)


def run_configuration(
    name: str, function: str | None, event: str | None, project_dir: Path
) -> tuple[str, str | None, dict[str, str]]:
    """--config NAME: the saved function, event and env (FUNCTION and --event win)."""
    from lamina.project import ProjectError
    from lamina.project.run_configurations import find_run_configuration

    try:
        saved = find_run_configuration(Path(os.path.abspath(project_dir)), name)
    except ProjectError as e:
        fail(str(e))
    return function or saved.function, event or saved.event, dict(saved.env)


def exit_now(code: int) -> NoReturn:
    """Exit without the interpreter's teardown (about 20 ms of freeing modules): the
    environment is already gone and its temp dir removed, and the output is flushed here."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def debug_settings(settings: dict[str, object], port: int | None) -> DebugSettings:
    from lamina.runtime.debug import DebugSettings

    def flag(key: str) -> bool:
        return _setting(settings, key) not in ("False", "false", "0")

    configured = _setting(settings, "debug.port")
    return DebugSettings(
        port=port if port is not None else int(configured or 0),
        wait_for_client=flag("debug.waitForClient"),
        suspend_timeout=flag("debug.suspendTimeout"),
    )


def _setting(settings: dict[str, object], key: str) -> str | None:
    """A dotted setting from [tool.lamina], as a nested table or a quoted dotted key."""
    value: object = settings.get(key)
    if value is None:
        value = settings
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    return str(value) if value else None


def read_event(event: str | None, spec: FunctionSpec, project: Project) -> bytes:
    """The event's bytes, checked to be JSON, so a typo is reported here with its line."""
    from lamina.project.event_payload import check_event_json, read_event_file

    if event is None:
        default = project.settings.get("defaultEvent")
        if not default:
            return b"{}"
        event = str(default)
    if event == "-":
        data = sys.stdin.buffer.read()
        check_event_json(data, Path("<stdin>"))
        return data
    return read_event_file(spec, project.root, event)[0]


def run_once(
    spec: FunctionSpec,
    project: Project,
    payload: bytes,
    *,
    environment: dict[str, str],
    timeout: float | None,
    memory: int | None,
    runtime_client: str,
    python: str,
    freeze: bool,
    assume_role: str | None,
    profile: str | None,
    debug: DebugSettings | None = None,
) -> InvocationResult:
    from lamina.runtime.child_process import spawn_child
    from lamina.runtime.config import FunctionConfig, RuntimeOptions
    from lamina.runtime.credentials import CredentialsError, credential_source

    extra_paths = install_requirements(spec, project, python)
    config = FunctionConfig.from_spec(
        spec,
        environment=tuple(sorted(environment.items())),
        timeout=float(timeout if timeout is not None else spec.timeout),
        memory_size=int(memory if memory is not None else spec.memory_size),
        extra_paths=extra_paths,
    )
    options = RuntimeOptions(
        python=python, runtime_client=runtime_client, freeze=freeze, max_concurrency=1
    )
    source = credential_source(
        assume_role, profile, config.region, session_name=f"lamina-{spec.function_name}"
    )
    try:
        creds = source.current_sync()
    except CredentialsError as e:
        fail(str(e))
    # Start the child now: the function's init runs while this process imports asyncio and
    # the rest of the runtime, instead of after it.
    try:
        child = spawn_child(config, options, creds.as_env() if creds else {}, debug)
    except FileNotFoundError as e:
        fail(f"cannot start the Python interpreter {python!r}: {e.strerror}")
    if source.notice:
        notice(source.notice)
    import asyncio

    from lamina.runtime.invocation import InvocationRequest
    from lamina.runtime.pool import RuntimePool

    request = InvocationRequest(payload=payload)
    expiry = creds.expiry if creds else None

    async def go() -> InvocationResult:
        async with RuntimePool(options) as pool:
            if debug is None:
                await pool.adopt(config, child, expiry)
                return await pool.invoke(config, request)
            env = await pool.start_debug(config, debug, child)
            announce_debugger(env.debug_port or 0, spec.logical_id, request.request_id, debug)
            return await pool.invoke_debug(env, request)

    try:
        return asyncio.run(go())
    except KeyboardInterrupt:
        fail("interrupted", 130)


def announce_debugger(port: int, function: str, session_id: str, debug: DebugSettings) -> None:
    """The attach configuration on stderr, with a line for each editor."""
    from lamina.runtime.debug import attach_configuration, attach_hints

    attach = attach_configuration(port, function, session_id)
    click.echo(json.dumps(attach, indent=2), err=True)
    for hint in attach_hints(attach):
        notice(hint)
    if debug.wait_for_client:
        notice(f"waiting for a debugger on 127.0.0.1:{port} ...")


def install_requirements(spec: FunctionSpec, project: Project, python: str) -> tuple[Path, ...]:
    requirements = spec.requirements_file
    if requirements is None:
        return ()
    from lamina.deploy.dependencies import DependencyInstallError, ensure_dependencies, is_installed
    from lamina.project.workspace import cache_dir

    cache = cache_dir(project.root)
    if not is_installed(requirements, python, cache):
        notice(f"installing {requirements} (once; cached in {cache})")
    try:
        return (ensure_dependencies(requirements, python, cache),)
    except DependencyInstallError as e:
        fail(str(e))


def print_logs(logs: str) -> None:
    if not sys.stderr.isatty():
        sys.stderr.write(logs)
        sys.stderr.flush()
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(stderr=True, highlight=False)
    for line in logs.split("\n")[:-1]:  # not splitlines(): Lambda's error lines hold \r
        if line.startswith("REPORT "):
            console.print(Text(line.replace("\t", "  "), style="bold cyan"))
        elif line.startswith(("START ", "END ")):
            console.print(Text(line, style="dim"))
        elif line.startswith("[ERROR]") or "Task timed out" in line:
            console.print(Text(line.replace("\r", "\n"), style="red"))
        else:
            console.print(Text(line))


# --- serve --------------------------------------------------------------------------------------


@main.command()
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
        **extras,
    )
    sys.exit(run(options))


# --- functions ---------------------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
)
def functions(as_json: bool, project_dir: Path) -> None:
    """List the functions the project defines (template.yaml, pyproject.toml)."""
    from lamina.project.discovery import find_handler_location

    project = load(project_dir)
    for warning in project.warnings:
        notice(f"warning: {warning}")
    rows: list[dict[str, Any]] = []
    for spec in project.functions.values():
        location = find_handler_location(spec)
        rows.append(
            {
                "logicalId": spec.logical_id,
                "functionName": spec.function_name,
                "handler": spec.handler,
                "runtime": spec.runtime,
                "codeUri": _relative(spec.code_dir, project.root),
                "handlerFile": f"{_relative(location[0], project.root)}:{location[1]}"
                if location
                else None,
                "timeout": spec.timeout,
                "memorySize": spec.memory_size,
                "events": [e.name for e in spec.events],
                "source": spec.source,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        notice(
            f"no functions found in {project.root} (looked for template.yaml and [tool.lamina.functions])"
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("Function", "Handler", "Where", "Runtime", "Timeout", "Memory", "Events")
    for row in rows:
        name = (
            row["logicalId"]
            if row["logicalId"] == row["functionName"]
            else f"{row['logicalId']} ({row['functionName']})"
        )
        where = row["handlerFile"] or f"{row['codeUri']} (handler file not found)"
        events = ", ".join(row["events"]) or "-"
        table.add_row(
            str(name),
            str(row["handler"]),
            str(where),
            str(row["runtime"]),
            f"{row['timeout']} s",
            f"{row['memorySize']} MB",
            events,
        )
    # Piped output gets full-width rows rather than rich's 80-column truncation.
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve())) or "."
    except ValueError:
        return str(path)


# --- events ------------------------------------------------------------------------------------


@main.group()
def events() -> None:
    """Sample events: the generator's sources, and generated events."""


@events.command("list")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
)
def events_list(project_dir: Path) -> None:
    """List the event sources `generate` knows, and the project's own sample events."""
    from lamina.events import list_sources

    click.echo("Event sources (lamina events generate SOURCE [--set KEY=VALUE]):")
    for source in list_sources():
        click.echo(f"  {source.name:<22} {source.description}")
        if source.keys:
            click.echo(f"  {'':<22} keys: {', '.join(source.keys)}")
    if (
        (project_dir / "template.yaml").exists()
        or (project_dir / "template.yml").exists()
        or (project_dir / "pyproject.toml").exists()
    ):
        project = load(project_dir)
        samples = [(spec.logical_id, e) for spec in project.functions.values() for e in spec.events]
        if samples:
            click.echo("\nThe project's sample events:")
            for logical_id, sample in samples:
                click.echo(
                    f"  {logical_id:<22} {sample.name:<20} {_relative(sample.path, project.root)}"
                )


@events.command("generate")
@click.argument("source")
@click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Set a field (repeatable)."
)
def events_generate(source: str, overrides: tuple[str, ...]) -> None:
    """Print a sample event for SOURCE (apigateway-http, sqs, s3-put, ...)."""
    from lamina.events import generate

    values: dict[str, str] = {}
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


# --- new ---------------------------------------------------------------------------------------


@main.command()
@click.argument("template", metavar="TEMPLATE")
@click.argument("name", metavar="FUNCTION_NAME")
@click.option("--path", "code_path", metavar="DIR", help="The code folder (CodeUri), default src.")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
)
def new(template: str, name: str, code_path: str | None, project_dir: Path) -> None:
    """Create a function from TEMPLATE: plain, http-api, sqs, s3, eventbridge or scheduled.

    Writes the handler, adds it to template.yaml (creating one if absent, keeping the existing
    one's comments), and adds a sample event and a unit test."""
    from lamina.project import ProjectError
    from lamina.project.scaffold import plan_function, write_plan

    project_dir.mkdir(parents=True, exist_ok=True)
    try:
        plan = plan_function(project_dir, template, name, code_path)
        written = write_plan(plan)
    except ProjectError as e:
        fail(str(e))
    root = Path(os.path.abspath(project_dir))
    click.echo(f"Created {plan.logical_id} ({plan.kind}):")
    for path, planned in zip(written, plan.files, strict=True):
        click.echo(f"  {'updated' if not planned.is_new else 'created'} {_relative(path, root)}")
    click.echo(f"Run it: lamina invoke {plan.logical_id} --event {plan.event_file.stem}")


# --- sync --------------------------------------------------------------------------------------


@main.command()
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
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
)
def sync(
    functions: tuple[str, ...],
    target: str | None,
    endpoint_url: str | None,
    watch: bool,
    publish: bool,
    alias: str | None,
    project_dir: Path,
) -> None:
    """Deploy FUNCTIONs (default: all) to the emulator or to AWS; with --watch, on every change."""
    from lamina.deploy.sync_console import SyncRequest, run_sync
    from lamina.project import ProjectError

    project = load(project_dir)
    for warning in project.warnings:
        notice(f"warning: {warning}")
    request = SyncRequest(functions, target, endpoint_url, watch, publish, alias)
    try:
        code = run_sync(project, request)
    except (ProjectError, ValueError) as e:
        fail(str(e))
    sys.exit(code)


# --- lsp ---------------------------------------------------------------------------------------


@main.command()
@click.option("--tcp", metavar="HOST:PORT", help="Listen on TCP instead of stdio.")
@click.option("--stdio", is_flag=True, hidden=True, help="Use stdio (the default).")
def lsp(tcp: str | None, stdio: bool) -> None:
    """Run the language server (code lenses, run, diagnostics) for any LSP editor."""
    from lamina.lsp.main import serve

    try:
        serve(tcp)
    except ValueError as e:
        fail(str(e))
