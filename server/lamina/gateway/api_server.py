"""`lamina api` as an object: the gateway, its runtime pool and its listener, started and
stopped together (the CLI, `lamina serve --api` and the language server use it)."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from aiohttp import web

from lamina.gateway.front import Gateway
from lamina.gateway.function_runner import DebugTarget, FunctionRunner
from lamina.gateway.function_urls import FunctionUrl
from lamina.gateway.http_server import CLIENT_MAX_SIZE, Handler, create_app
from lamina.gateway.http_types import HttpRequest, HttpResponse
from lamina.gateway.local_tls import ensure_certificates, server_context, trust_bundle
from lamina.gateway.plain_http import PlainListener, listen_plain
from lamina.gateway.request_record import RequestRecord
from lamina.gateway.route_auth import known_secrets
from lamina.gateway.routes import DEFAULT_ROUTE, ApiKind, Route, RouteTable
from lamina.gateway.template_apis import TemplateApis, used_functions
from lamina.gateway.websocket_apis import WebSocketApi
from lamina.gateway.websocket_server import WebSocketGateway
from lamina.http_front import KEEP_ALIVE_S
from lamina.project.spec import FunctionSpec, ProjectError
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.pool import CredentialsProvider, RuntimePool

log = logging.getLogger("lamina.gateway")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000  # sam local start-api's


@dataclass
class ApiOptions:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    warm: bool = False  # start every function's environment before the first request
    runtime: RuntimeOptions | None = None
    debug: DebugTarget | None = None  # --debug FUNCTION
    # WebSocket APIs: the TLS listener handlers' https://{domainName} reaches (0: port + 443,
    # or any), and where its local CA lives.
    tls_port: int | None = None
    tls_dir: Path | None = None
    save_events: bool = False  # --save-events: the CLI saves each request's event
    # --keep-alive: a client's connection is closed after keeping the server waiting this long
    keep_alive_s: float = KEEP_ALIVE_S


def _mtime(path: Path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _authorizer_known(route: Route, known: set[str]) -> bool:
    authorizer = route.authorizer
    return authorizer is None or getattr(authorizer, "function", None) in (None, *known)


class ApiServer:
    def __init__(
        self,
        routes: list[Route],
        specs: dict[str, FunctionSpec],
        configs: dict[str, FunctionConfig],
        options: ApiOptions,
        on_request: Callable[[RequestRecord], None] | None = None,
        function_urls: list[FunctionUrl] | None = None,
        websocket_apis: list[WebSocketApi] | None = None,
        credentials: CredentialsProvider | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> None:
        """`on_request` hears each HTTP request; `on_line` each WebSocket call's lines."""
        self.routes = routes
        self.specs = specs
        self.function_urls = {url.url_id: url for url in function_urls or []}
        self.options = options
        self.pool = RuntimePool(options.runtime or RuntimeOptions(), credentials=credentials)
        used = used_functions(routes, list(self.function_urls.values()))
        self.websocket_apis = websocket_apis or []
        used.update(f for api in self.websocket_apis for _, f in api.routes)
        self.runner = FunctionRunner(
            self.pool, {n: c for n, c in configs.items() if n in used}, options.debug
        )
        for name in used:
            self.runner.watch_handler(specs[name])
        # The event of each function's last request (for "save the last event").
        self.last_events: dict[str, bytes] = {}

        def record(request: RequestRecord) -> None:
            if request.function and request.event:
                self.last_events[request.function] = request.event
            if on_request is not None:
                on_request(request)

        self.gateway = Gateway(
            RouteTable(routes),
            self.runner.invoke,
            on_request=record,
            function_urls=self.function_urls.get,
            check_code=self.runner.check,
            longest_run_s=self.runner.longest_run_s,
            invoke_streaming=self.runner.invoke,
            iam_secret=known_secrets(credentials),
        )
        self.runner.on_change = lambda function: self.gateway.forget_authorizations()
        if options.debug is not None:
            # A debugger may hold the function as long as it likes: no integration timeout.
            self.gateway.paused.add(options.debug.function)
        self.websockets = WebSocketGateway(
            self.websocket_apis,
            self.runner.invoke,
            on_line or (lambda line: None),
            self.gateway.account_id,
        )
        self._runner: web.AppRunner | None = None
        self._plain: PlainListener | None = None
        self._tls: PlainListener | None = None  # WebSocket APIs' HTTPS listener
        self.port = options.port
        self.tls_port: int | None = None
        # What a function needs to call this API's @connections (set once the TLS port is known).
        self.service_environment: dict[str, str] = {}
        # (template path, its reader): routes are read again when the template changes.
        self.reload_template: tuple[Path, Callable[[], TemplateApis]] | None = None
        self._template_mtime = 0
        self._on_line = on_line or (lambda line: None)

    def watch_template(self, path: Path, read: Callable[[], TemplateApis]) -> None:
        self.reload_template = (path, read)
        self._template_mtime = _mtime(path)

    async def _reloading(self, request: HttpRequest) -> HttpResponse:
        """Gateway.handle, after taking in the template's routes again if it changed (one stat
        per request)."""
        assert self.reload_template is not None
        path, read = self.reload_template
        mtime = _mtime(path)
        if mtime != self._template_mtime:
            self._template_mtime = mtime
            self._reload(path, read)
        return await self.gateway.handle(request)

    def _reload(self, path: Path, read: Callable[[], TemplateApis]) -> None:
        try:
            apis = read()
        except ProjectError as e:
            self._on_line(f"lamina api: {e}; still serving the routes it had")
            return
        known = set(self.runner.configs)
        new = sorted(apis.functions() - known)
        routes = [r for r in apis.routes if r.function in known and _authorizer_known(r, known)]
        urls = [u for u in apis.function_urls if u.function in known]
        self.routes = routes
        self.gateway.table = RouteTable(routes)
        self.function_urls.clear()
        self.function_urls.update({url.url_id: url for url in urls})
        self._on_line(f"lamina api: {path.name} changed; the routes now are:")
        for line in self.banner_lines()[1:]:
            self._on_line(line)
        if new:
            self._on_line(f"lamina api: restart it to serve {', '.join(new)} (new functions)")

    @property
    def url(self) -> str:
        return f"http://{self.options.host}:{self.port}"

    async def start(self) -> None:
        handle: Handler = (
            self._reloading if self.reload_template is not None else self.gateway.handle
        )
        if self.websocket_apis:  # @connections calls are answered before the routes
            handle = self.websockets.in_front_of(handle)
        app = create_app(handle, self.websockets.routes() if self.websocket_apis else None)
        runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            keepalive_timeout=self.options.keep_alive_s,  # aiohttp's own default: an hour
        )
        await runner.setup()
        assert runner.server is not None
        try:
            # TLS first: a WebSocket client must not connect before domainName is known.
            if self.websocket_apis:
                await self._start_tls(handle, runner.server)
            # Plain requests skip aiohttp's request machinery (plain_http.py); WebSocket
            # connections go to the app's own routes.
            self._plain = await listen_plain(
                handle,
                runner.server,
                self.websockets.serves,
                self.options.host,
                self.options.port,
                CLIENT_MAX_SIZE,
                keep_alive_s=self.options.keep_alive_s,
            )
        except OSError:
            if self._tls is not None:
                await self._tls.close()
                self._tls = None
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = self._plain.port
        if self.options.warm:
            await self.runner.warm()

    async def _start_tls(self, handle: Handler, server: web.Server) -> None:
        """The HTTPS listener that `https://{domainName}/{stage}` (a WebSocket event's) reaches,
        with a local CA the functions trust through AWS_CA_BUNDLE. It is the plain HTTP layer
        too: a handler's PostToConnection is answered without aiohttp's request machinery."""
        folder = self.options.tls_dir or Path(tempfile.mkdtemp(prefix="lamina-tls-"))
        ca, cert, key = await asyncio.to_thread(ensure_certificates, folder)
        wanted = self.options.tls_port
        if wanted is None:
            port = self.options.port
            wanted = port + 443 if port and port + 443 <= 65535 else 0
        context = server_context(cert, key)
        for port in dict.fromkeys((wanted, 0)):
            try:
                self._tls = await listen_plain(
                    handle,
                    server,
                    self.websockets.serves,
                    self.options.host,
                    port,
                    CLIENT_MAX_SIZE,
                    ssl=context,
                    keep_alive_s=self.options.keep_alive_s,
                )
                break
            except OSError:
                if port == 0 or self.options.tls_port is not None:
                    raise
        assert self._tls is not None
        self.tls_port = self._tls.port
        domain = f"127.0.0.1:{self.tls_port}"
        self.websockets.domain_name = domain
        bundle = await asyncio.to_thread(trust_bundle, folder, ca)
        self.service_environment = {
            "AWS_CA_BUNDLE": str(bundle),
            "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": f"https://{domain}",
        }
        self.add_environment(self.service_environment)

    def add_environment(self, variables: dict[str, str], *, keep_own: bool = False) -> None:
        """Give every function these variables; with `keep_own`, a variable the function's
        template or --env-vars already sets keeps its value."""
        if keep_own:
            self.change_environments(lambda own: {**variables, **own})
        else:
            self.change_environments(lambda own: {**own, **variables})

    def change_environments(self, change: Callable[[dict[str, str]], dict[str, str]]) -> None:
        """Each function's variables become `change(its variables)`."""
        self.runner.configs = {
            name: replace(
                config, environment=tuple(sorted(change(dict(config.environment)).items()))
            )
            for name, config in self.runner.configs.items()
        }

    async def stop(self) -> None:
        await self.websockets.close()
        for listener in (self._plain, self._tls):
            if listener is not None:
                await listener.close()
        self._plain = self._tls = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.pool.close()

    def route_url(self, route: Route) -> str:
        path = "/" if route.path == DEFAULT_ROUTE else route.path
        return self.url + path

    def banner_lines(self) -> list[str]:
        # What is served, one line each: a WebSocket API's routes (none: nothing runs there).
        websocket_routes = sum(len(api.routes) for api in self.websocket_apis)
        count = len(self.routes) + len(self.function_urls) + websocket_routes
        lines = [f"lamina api: serving {count} route(s) on {self.url}"]
        width = max((len(r.route_key) for r in self.routes), default=0)
        for route in self.routes:
            kind = {ApiKind.REST: "REST", ApiKind.HTTP: "HTTP", ApiKind.FUNCTION_URL: "URL"}[
                route.api.kind
            ]
            lines.append(
                f"  {route.route_key:<{width}}  {self.route_url(route)}  → {route.function}"
                f"  ({kind} {route.api.logical_id}, stage {route.api.stage},"
                f" payload {route.payload_version}{', streamed' if route.stream else ''})"
            )
        for api in self.websocket_apis:
            for key, function in api.routes:
                lines.append(
                    f"  WebSocket  ws://{self.options.host}:{self.port}/{api.stage}"
                    f"  {key} → {function};"
                    f" @connections at https://127.0.0.1:{self.tls_port}/{api.stage}"
                )
        for url in self.function_urls.values():
            lines.append(
                f"  Function URL  {url.local_url(self.url)}  → {url.function}"
                f"  (AuthType {url.auth_type})"
            )
        return lines
