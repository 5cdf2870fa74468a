"""`lamina invoke`: run a function once in a local execution environment (or, with --endpoint-url,
through a Lambda API), with --debug for a debugger.

Start-up time matters here (it is measured against python-lambda-local's CLI): the heavy imports
(asyncio, the runtime, rich, botocore) happen inside, and the child starts before asyncio loads."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from lamina.commands.console import exit_now, fail, load, notice, print_logs
from lamina.commands.function_setup import (
    choose_python,
    debug_settings,
    function_config,
    invoke_overrides,
    local_credentials,
    setting_text,
)
from lamina.commands.project_flags import project_dir_option, project_flags

if TYPE_CHECKING:
    from lamina.project import FunctionSpec, Project
    from lamina.runtime.debug import DebugSettings
    from lamina.runtime.invocation import InvocationResult


@click.command()
@project_flags()
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
    "--strict-runtime",
    is_flag=True,
    help="Fail when no interpreter matches the template's Runtime (instead of a warning).",
)
@click.option(
    "--debug", is_flag=True, help="Start debugpy on loopback and wait for an editor to attach."
)
@click.option(
    "--debug-port", type=click.IntRange(0, 65535), help="debugpy's port (default: any free one)."
)
@project_dir_option
@click.option(
    "--endpoint-url",
    metavar="URL",
    help="Invoke the function deployed at this Lambda API endpoint (lamina serve, or AWS).",
)
@click.option("--qualifier", metavar="Q", help="With --endpoint-url: a version or alias.")
@click.option(
    "--tenant-id", metavar="ID", help="The tenant to run for (TenancyConfig: PER_TENANT functions)."
)
@click.option(
    "--skip-time",
    is_flag=True,
    help="Durable functions: waits, retry back-off and timeouts end at once.",
)
@click.option(
    "--resume",
    "resume_arn",
    metavar="ARN",
    help="Durable functions: continue the execution a previous `lamina invoke` left waiting.",
)
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
    strict_runtime: bool = False,
    skip_time: bool = False,
    resume_arn: str | None = None,
    tenant_id: str | None = None,
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
        invoke_deployed(function, event, endpoint_url, qualifier, profile, project_dir, tenant_id)
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
    tenant = local_tenant(spec, tenant_id)
    if debug or debug_port is not None:
        from lamina.gateway.function_runner import debug_refusal

        refusal = debug_refusal(spec.logical_id, spec.runtime)
        if refusal is not None:
            fail(f"--debug: {refusal}")
    settings = project.settings
    chosen_python = choose_python(spec, settings, python, strict_runtime, project.root)
    if spec.durable_config is not None:
        from lamina.commands.invoke_durable import invoke_durable

        invoke_durable(
            spec,
            project,
            payload,
            environment=environment,
            timeout=timeout,
            memory=memory,
            runtime_client=runtime_client or str(settings.get("runtimeClient", "lamina")),
            python=chosen_python,
            assume_role=assume_role or setting_text(settings, "credentials.assumeRole"),
            profile=profile or setting_text(settings, "credentials.profile"),
            skip_time=skip_time or setting_text(settings, "durable.skipTime") in ("True", "true"),
            resume_arn=resume_arn,
        )
    if resume_arn:
        fail(f"--resume: {spec.logical_id} is not a durable function (it has no DurableConfig)")
    result = run_once(
        spec,
        project,
        payload,
        environment=environment,
        timeout=timeout,
        memory=memory,
        runtime_client=runtime_client or str(settings.get("runtimeClient", "lamina")),
        python=chosen_python,
        freeze=not no_freeze,
        assume_role=assume_role or setting_text(settings, "credentials.assumeRole"),
        profile=profile or setting_text(settings, "credentials.profile"),
        debug=debug_settings(settings, debug_port) if debug or debug_port is not None else None,
        tenant_id=tenant,
    )
    print_logs(result.logs)
    sys.stdout.buffer.write(result.payload + b"\n")
    if not result.ok and b'"Runtime.HandlerNotFound"' in result.payload:
        from lamina.project.target import missing_handler_hint

        hint = missing_handler_hint(spec.code_dir, spec.handler)
        if hint:
            notice(hint)
    exit_now(0 if result.ok else 1)


def invoke_deployed(
    function: str,
    event: str | None,
    endpoint_url: str,
    qualifier: str | None,
    profile: str | None,
    project_dir: Path,
    tenant_id: str | None = None,
) -> NoReturn:
    """`lamina invoke --endpoint-url`: through the Lambda API, with boto3."""
    from lamina.emulator.client import RemoteInvokeError, invoke_remote, read_event

    try:
        payload = read_event(event, function, project_dir)
        deployed = deployed_name(function, project_dir)
        result = invoke_remote(deployed, payload, endpoint_url, qualifier, profile, tenant_id)
    except RemoteInvokeError as e:
        fail(str(e))
    print_logs(result.logs)
    sys.stdout.buffer.write(result.payload + b"\n")
    exit_now(1 if result.function_error else 0)


def deployed_name(function: str, project_dir: Path) -> str:
    """The physical name to invoke: a project's logical id maps to its FunctionName, as sync
    deploys it; any other name is taken as deployed."""
    from lamina.commands.project_flags import current_project_options
    from lamina.project import ProjectError, load_project

    try:
        options = current_project_options()
        spec = load_project(project_dir, options=options).functions.get(function)
    except ProjectError:
        return function
    return spec.function_name if spec is not None else function


def local_tenant(spec: FunctionSpec, tenant_id: str | None) -> str | None:
    """--tenant-id checked as the emulator checks X-Amz-Tenant-Id (emulator/tenancy.py):
    required by a TenancyConfig function, refused by any other, with the emulator's error."""
    if tenant_id is None and not spec.tenant_isolation:
        return None  # the usual case: the emulator's modules (aiohttp) are not imported
    from lamina.emulator.errors import LambdaError
    from lamina.emulator.tenancy import checked_tenant

    try:
        return checked_tenant(spec.tenant_isolation, tenant_id)
    except LambdaError as e:
        fail(f"{e.code}: {e.message}")


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
    tenant_id: str | None = None,
) -> InvocationResult:
    from lamina.runtime.child_spawn import spawn_child
    from lamina.runtime.config import RuntimeOptions
    from lamina.runtime.package_set import InterpreterError, runtime_packages

    try:  # a bad --python is one line and exit 2, before anything uses it
        runtime_packages(python)
    except InterpreterError as e:
        fail(str(e))
    config = function_config(
        spec, project, python, **invoke_overrides(spec, environment, timeout, memory)
    )
    if tenant_id is not None:
        from dataclasses import replace

        config = replace(config, tenant_id=tenant_id)
    if debug is not None and config.managed_concurrency is not None:
        from dataclasses import replace

        config = replace(config, managed_concurrency=None)  # under the debugger: on demand
    if config.reserved_concurrency == 0:  # Lambda throttles it before any code runs
        from lamina.runtime.throttling import FunctionThrottled

        fail(str(FunctionThrottled(spec.logical_id, 0)))
    options = RuntimeOptions(  # one run: a fork server would start for nothing
        python=python,
        runtime_client=runtime_client,
        freeze=freeze,
        max_concurrency=1,
        fork_server=False,
    )
    source, creds = local_credentials(spec, config, assume_role, profile)
    # Ctrl+C, SIGTERM and SIGHUP (a closed terminal) raise KeyboardInterrupt: the pool is
    # closed on the way out, so the environment, its subprocesses and debugpy end with us. Not
    # default_int_handler itself for SIGINT: asyncio.run would then put its own in (it cancels
    # the main task instead), and lamina invoke hung after SIGINT in CI where SIGTERM never did.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    # Start the child now: the function's init runs while this process imports asyncio and
    # the rest of the runtime, instead of after it.
    try:
        kind = "on-demand" if config.managed_concurrency is None else "lambda-managed-instances"
        child = spawn_child(config, options, creds.as_env() if creds else {}, debug, kind)
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
            try:
                env = await pool.start_debug(config, debug, child)
            except RuntimeError as e:  # debugpy did not listen (its port in use, ...): discarded
                fail(f"the debugger did not start: {e}")
            announce_debugger(env.debug_port or 0, spec.logical_id, request.request_id, debug)
            return await pool.invoke_debug(env, request)

    try:
        return asyncio.run(go())
    except KeyboardInterrupt:
        fail("interrupted", 130)


def _interrupt(signum: int, frame: object) -> None:
    signal.default_int_handler(signum, frame)  # type: ignore[arg-type]


def announce_debugger(port: int, function: str, session_id: str, debug: DebugSettings) -> None:
    """The attach configuration on stderr, with a line for each editor."""
    from lamina.runtime.debug import attach_configuration, attach_hints

    attach = attach_configuration(port, function, session_id)
    click.echo(json.dumps(attach, indent=2), err=True)
    for hint in attach_hints(attach):
        notice(hint)
    if debug.wait_for_client:
        notice(f"waiting for a debugger on 127.0.0.1:{port} ...")
