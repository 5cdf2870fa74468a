"""`lamina api` as an object: the gateway, its runtime pool and its listener, started and
stopped together (the CLI, `lamina serve --api` and the language server use it)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from lamina.gateway.front import Gateway, RequestRecord
from lamina.gateway.function_runner import DebugTarget, FunctionRunner
from lamina.gateway.function_urls import FunctionUrl
from lamina.gateway.http_server import create_app
from lamina.gateway.routes import DEFAULT_ROUTE, ApiKind, Route, RouteTable
from lamina.gateway.template_apis import used_functions
from lamina.project.spec import FunctionSpec
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.pool import RuntimePool

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
    save_events: bool = False  # --save-events: the CLI saves each request's event


class ApiServer:
    def __init__(
        self,
        routes: list[Route],
        specs: dict[str, FunctionSpec],
        configs: dict[str, FunctionConfig],
        options: ApiOptions,
        on_request: Callable[[RequestRecord], None] | None = None,
        function_urls: list[FunctionUrl] | None = None,
    ) -> None:
        self.routes = routes
        self.specs = specs
        self.function_urls = {url.url_id: url for url in function_urls or []}
        self.options = options
        self.pool = RuntimePool(options.runtime or RuntimeOptions())
        used = used_functions(routes, list(self.function_urls.values()))
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
        )
        if options.debug is not None:
            # A debugger may hold the function as long as it likes: no integration timeout.
            self.gateway.paused.add(options.debug.function)
        self._runner: web.AppRunner | None = None
        self.port = options.port

    @property
    def url(self) -> str:
        return f"http://{self.options.host}:{self.port}"

    async def start(self) -> None:
        app = create_app(self.gateway)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.options.host, self.options.port, reuse_address=True)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        if runner.addresses:
            self.port = runner.addresses[0][1]
        if self.options.warm:
            await self.runner.warm()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.pool.close()

    def route_url(self, route: Route) -> str:
        path = "/" if route.path == DEFAULT_ROUTE else route.path
        return self.url + path

    def banner_lines(self) -> list[str]:
        count = len(self.routes) + len(self.function_urls)
        lines = [f"lamina api: serving {count} route(s) on {self.url}"]
        width = max((len(r.route_key) for r in self.routes), default=0)
        for route in self.routes:
            kind = {ApiKind.REST: "REST", ApiKind.HTTP: "HTTP", ApiKind.FUNCTION_URL: "URL"}[
                route.api.kind
            ]
            lines.append(
                f"  {route.route_key:<{width}}  {self.route_url(route)}  → {route.function}"
                f"  ({kind} {route.api.logical_id}, stage {route.api.stage},"
                f" payload {route.payload_version})"
            )
        for url in self.function_urls.values():
            lines.append(
                f"  Function URL  {url.local_url(self.url)}  → {url.function}"
                f"  (AuthType {url.auth_type})"
            )
        return lines
