"""The API from the editor: `lamina.startApi {port?}`, `lamina.stopApi {}`, `lamina.openRoute
{function, routeKey}`, `lamina.saveLastEvent {function}`, `lamina.debugApi {function}`, and a lens `🌐 GET /items/{id}` for each route over its function's
resource in the template and over its handler.

The API is `lamina api`'s server (gateway.api_server) in this process, on 127.0.0.1:3000 by
default (`lamina.api.port`, or the command's `port`); each request goes to the editor's output as one line (plus the function's logs). A
route lens starts the API when it isn't running, then opens the route's URL in the browser.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from lamina.lsp.arguments import CommandArguments
from lamina.lsp.code_lenses import EXTRA_LENSES
from lamina.lsp.errors import UserError
from lamina.lsp.project_index import normalized
from lamina.lsp.server import LaminaServer

if TYPE_CHECKING:
    from lamina.gateway.api_server import ApiServer
    from lamina.gateway.request_record import RequestRecord
    from lamina.gateway.template_apis import TemplateApis
    from lamina.lsp.project_index import LoadedProject

API_STATUS = "lamina/apiStatus"  # {running, url?, routes?, functionUrls?} on each start and stop
_running: weakref.WeakKeyDictionary[LaminaServer, ApiServer] = weakref.WeakKeyDictionary()
_template_cache: dict[str, tuple[int, TemplateApis]] = {}


def template_apis(loaded: LoadedProject) -> TemplateApis | None:
    """The template's routes, parsed again only when the file changed."""
    from lamina.gateway.template_apis import read_template_apis
    from lamina.project.spec import ProjectError

    path = loaded.project.template_path
    if path is None:
        return None
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        return None
    cached = _template_cache.get(str(path))
    if cached is not None and cached[0] == mtime:
        return cached[1]
    if not _may_have_routes(path):
        from lamina.gateway.template_apis import TemplateApis

        _template_cache[str(path)] = (mtime, TemplateApis())
        return _template_cache[str(path)][1]
    from lamina.gateway.jwt_authorizers import jwks_setting

    jwks = jwks_setting(loaded.project.settings, loaded.project.root)
    try:
        apis = read_template_apis(path, set(loaded.project.functions), jwks)
    except ProjectError:
        return None
    _template_cache[str(path)] = (mtime, apis)
    return apis


def _may_have_routes(path: Path) -> bool:
    """False when the template can't define a route, URL or WebSocket API: every one of them
    names an `Api` (Api, HttpApi, AWS::ApiGateway*, WebSocket ApiId) or a `Url` (FunctionUrlConfig,
    AWS::Lambda::Url). Parsing a 10,000-function template for its routes took seconds, on the
    event loop, in the first lens request. A CDK app's manifest names none (its stacks may),
    nor need a Terraform configuration's main.tf (its APIs may be in another file)."""
    if path.name == "manifest.json" or path.name.endswith((".tf", ".tf.json")):
        return True
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return "Api" in text or "Url" in text


def describe(server: ApiServer) -> dict[str, Any]:
    return {
        "url": server.url,
        "routes": [
            {
                "routeKey": route.route_key,
                "url": server.route_url(route),
                "function": route.function,
                "api": route.api.logical_id,
                "stage": route.api.stage,
            }
            for route in server.routes
        ],
        "functionUrls": [
            {"url": url.local_url(server.url), "function": url.function, "authType": url.auth_type}
            for url in server.function_urls.values()
        ],
    }


def _refresh_lenses(ls: LaminaServer) -> None:
    if ls.capability("workspace.code_lens.refresh_support"):
        ls.workspace_code_lens_refresh(None)


async def start_api(ls: LaminaServer, port: int) -> ApiServer:
    running = _running.get(ls)
    if running is not None:
        return running
    from lamina.gateway.api_server import ApiOptions, ApiServer
    from lamina.runtime.config import RuntimeOptions

    loaded = await ls.state.index.current()
    if loaded is None or loaded.project.template_path is None:
        raise UserError("Lamina: no template.yaml here; the API serves its API events")
    apis = await asyncio.to_thread(template_apis, loaded)
    if apis is None or not apis.serves_anything():
        skipped = [w for w in (apis.warnings if apis else ()) if "route skipped" in w]
        if skipped:  # API events, for functions Lamina doesn't run (nodejs, images)
            raise UserError(
                f"Lamina: nothing to serve: the {len(skipped)} API route(s) of "
                f"{loaded.project.template_path.name} are all skipped ({skipped[0]})"
            )
        raise UserError(
            f"Lamina: {loaded.project.template_path.name} has no API events "
            "(Events of Type Api or HttpApi), API Gateway resources nor Function URLs"
        )
    functions = loaded.project.functions
    configs = {name: await ls.state.runner.config_for(functions[name]) for name in apis.functions()}

    def report(record: RequestRecord) -> None:
        if record.logs:
            ls.log_to_client(record.logs.rstrip("\n"))
        ls.log_to_client(f"[api] {record.summary()}")

    options = ApiOptions(port=port, runtime=RuntimeOptions(python=ls.state.runner.python))
    server = ApiServer(
        apis.routes,
        functions,
        configs,
        options,
        report,
        apis.function_urls,
        apis.websocket_apis,
        on_line=lambda line: ls.log_to_client(f"[api] {line}"),
    )
    try:
        await server.start()
    except OSError as e:
        await server.stop()
        raise UserError(f"Lamina: cannot listen on 127.0.0.1:{port}: {e.strerror}") from None
    _running[ls] = server
    for line in server.banner_lines():
        ls.log_to_client(line)
    ls.show(f"Lamina: the API runs at {server.url}")
    # Also when a route lens started it: the editor's API view follows.
    ls.protocol.notify(API_STATUS, {"running": True, **describe(server)})
    _refresh_lenses(ls)
    return server


async def stop_api(ls: LaminaServer) -> bool:
    server = _running.pop(ls, None)
    if server is None:
        return False
    await server.stop()
    ls.show("Lamina: the API stopped")
    ls.protocol.notify(API_STATUS, {"running": False})
    _refresh_lenses(ls)
    return True


async def open_route(ls: LaminaServer, args: CommandArguments) -> dict[str, Any]:
    function = args.required_text("function")
    route_key = args.text("routeKey")
    server = await start_api(ls, _port(ls, args))
    for route in server.routes:
        if route.function == function and (route_key is None or route.route_key == route_key):
            url = server.route_url(route)
            break
    else:
        urls = [u for u in server.function_urls.values() if u.function == function]
        if not urls:
            raise UserError(f"Lamina: no route of the API runs {function}")
        url = urls[0].local_url(server.url)
    if ls.capability("window.show_document.support"):
        await ls.window_show_document_async(types.ShowDocumentParams(uri=url, external=True))
    return {"url": url}


async def save_last_event(ls: LaminaServer, args: CommandArguments) -> dict[str, Any]:
    """The event of the function's last request through the API, into its events/ folder."""
    from lamina.gateway.saved_events import last_request_name
    from lamina.gateway.saved_events import save_last_event as save

    function = args.required_text("function")
    server = _running.get(ls)
    event = server.last_events.get(function) if server is not None else None
    if server is None or event is None:
        raise UserError(f"Lamina: no request to {function} through the API yet")
    spec = server.specs[function]
    path = await asyncio.to_thread(save, spec, event)
    ls.show(f"Lamina: saved {function}'s last request as event {last_request_name(spec)}")
    return {"event": last_request_name(spec), "path": str(path)}


async def debug_api(ls: LaminaServer, args: CommandArguments) -> dict[str, Any]:
    """Hold the function's API requests under debugpy (as `lamina api --debug`): each request
    gets a debug environment on one port, and `lamina/debugReady` says where to attach."""
    import socket
    import uuid

    from lamina.gateway.function_runner import DebugTarget, debug_refusal
    from lamina.runtime.debug import DebugSettings, attach_configuration

    function = args.required_text("function")
    server = _running.get(ls)
    if server is None:
        raise UserError("Lamina: the API is not running (lamina.startApi first)")
    if function not in server.runner.configs:
        raise UserError(f"Lamina: no route of the API runs {function}")
    refusal = debug_refusal(function, server.runner.configs[function].runtime)
    if refusal is not None:
        raise UserError(f"Lamina: {refusal}")
    with socket.socket() as sock:  # one port for the session: one attach configuration
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    configured = DebugSettings.from_settings(ls.settings.get)
    settings = DebugSettings(port, configured.wait_for_client, configured.suspend_timeout)
    session = f"api-{uuid.uuid4().hex[:8]}"

    def announce(debug_port: int, request_id: str) -> None:
        attach = attach_configuration(debug_port, function, session)
        ls.protocol.notify("lamina/debugReady", attach)
        ls.log_to_client(f"[api] {function}: request {request_id} waits for a debugger on "
                         f"127.0.0.1:{debug_port}")  # fmt: skip

    server.runner.debug = DebugTarget(function, settings, announce)
    server.gateway.paused.add(function)
    ls.show(f"Lamina: requests to {function} through the API now stop for the debugger")
    _refresh_lenses(ls)
    return attach_configuration(port, function, session)


def _port(ls: LaminaServer, args: CommandArguments) -> int:
    """The command's `port`, else the `lamina.api.port` setting: a route lens that starts the API
    uses the port Start API does (it used 3000 whatever the setting said)."""
    value = args.values.get("port", ls.settings.get("api.port"))
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 65535:
        raise UserError(f'{args.command}: "port" must be a port number, not {value!r}')
    return value


def route_lenses(
    ls: LaminaServer, path: Path, loaded: LoadedProject | None
) -> list[types.CodeLens]:
    """`🌐 METHOD /path` over the function resources (template) and handlers (Python files; a
    custom runtime's `bootstrap`), with "Debug its requests" where debugpy can hold them."""
    from lamina.gateway.function_runner import debug_refusal
    from lamina.project.lambda_runtimes import is_custom_runtime

    if loaded is None:
        return []
    apis = template_apis(loaded)
    if apis is None:
        return []
    running = _running.get(ls)
    targets: list[tuple[str, str, str]] = [
        (route.function, route.route_key, route.route_key) for route in apis.routes
    ]
    targets += [(url.function, "", "Function URL") for url in apis.function_urls]
    lenses: list[types.CodeLens] = []
    offered: set[str] = set()  # functions given a "Debug its requests" lens
    in_template = path == loaded.project.template_path
    handlers = {spec.logical_id for spec in loaded.specs_for_file(path)}
    for function, route_key, title in targets:
        spec = loaded.project.functions.get(function)
        if spec is None:
            continue
        found: tuple[int, int] | None = None
        if in_template and spec.source_line:
            found = (spec.source_line - 1, 2)  # under the resource's logical id
        elif function in handlers:
            found = _def_line(spec.handler_path, spec.function)
        elif is_custom_runtime(spec.runtime) and normalized(path) == normalized(
            spec.code_dir / "bootstrap"
        ):
            found = (0, 0)  # the bootstrap is the runtime: its first line
        if found is None:
            continue
        where = types.Range(types.Position(*found), types.Position(*found))
        arguments: list[Any] = [{"function": function, "routeKey": route_key or None}]
        prefix = "🌐" if running is None else "🌐 ▶"
        lenses.append(
            types.CodeLens(
                where, types.Command(f"{prefix} {title}", "lamina.openRoute", arguments=arguments)
            )
        )
        debugging = running is not None and running.runner.debug is not None
        if (
            running is not None
            and function not in offered
            and debug_refusal(function, spec.runtime) is None
            and not (
                debugging and running.runner.debug.function == function  # type: ignore[union-attr]
            )
        ):
            offered.add(function)
            debug = types.Command(
                "⚙ Debug its requests", "lamina.debugApi", arguments=[{"function": function}]
            )
            lenses.append(types.CodeLens(where, debug))
    return lenses


def _def_line(path: Path, name: str) -> tuple[int, int] | None:
    """(line, column of the name) of a top-level `def name(` in the file on disk."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for number, line in enumerate(text.splitlines()):
        if line.startswith((f"def {name}(", f"async def {name}(")):
            return number, line.index(name)
    return None


def register(server: LaminaServer) -> None:
    EXTRA_LENSES.append(route_lenses)

    @server.command("lamina.startApi")
    async def start(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        args = CommandArguments("lamina.startApi", arguments)
        return describe(await start_api(ls, _port(ls, args)))

    @server.command("lamina.stopApi")
    async def stop(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        CommandArguments("lamina.stopApi", arguments)
        return {"stopped": await stop_api(ls)}

    @server.command("lamina.saveLastEvent")
    async def save_event(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        return await save_last_event(ls, CommandArguments("lamina.saveLastEvent", arguments))

    @server.command("lamina.debugApi")
    async def debug(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        return await debug_api(ls, CommandArguments("lamina.debugApi", arguments))

    @server.command("lamina.openRoute")
    async def open_(ls: LaminaServer, *arguments: Any) -> dict[str, Any]:
        return await open_route(ls, CommandArguments("lamina.openRoute", arguments))
