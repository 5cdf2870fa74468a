"""What `lamina api` serves: the ApiServer for a project's template, with the flags that shape
it (--env-vars, --debug FUNCTION[:PORT]) and the functions' credentials."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from lamina.commands.console import fail, notice, write_stderr

if TYPE_CHECKING:
    from datetime import datetime

    from lamina.gateway.api_server import ApiOptions, ApiServer
    from lamina.gateway.function_runner import DebugTarget
    from lamina.gateway.request_record import RequestRecord
    from lamina.project import Project
    from lamina.runtime.pool import CredentialsProvider


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
    if not apis.serves_anything():
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
    from lamina.project.stack_context import default_region
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
