"""What a project's APIs add up to: the routes, Function URLs and WebSocket APIs `lamina api`
serves, the warnings reading them gave, and the functions they run."""

from __future__ import annotations

from dataclasses import dataclass, field

from lamina.gateway.authorizers import Authorizer
from lamina.gateway.function_urls import FunctionUrl
from lamina.gateway.routes import Route
from lamina.gateway.websocket_apis import WebSocketApi


@dataclass
class TemplateApis:
    routes: list[Route] = field(default_factory=list)
    function_urls: list[FunctionUrl] = field(default_factory=list)
    websocket_apis: list[WebSocketApi] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def serves_anything(self) -> bool:
        """A route, a Function URL or a WebSocket route that runs a function: something to
        serve (a WebSocket API whose routes all run elsewhere is not)."""
        return bool(self.routes or self.function_urls or any(a.routes for a in self.websocket_apis))

    def functions(self) -> set[str]:
        """Every function the APIs run: routes', URLs' and authorizers'."""
        names = used_functions(self.routes, self.function_urls)
        names.update(f for api in self.websocket_apis for _, f in api.routes)
        return names


def used_functions(routes: list[Route], urls: list[FunctionUrl]) -> set[str]:
    names = {route.function for route in routes}
    names.update(
        route.authorizer.function
        for route in routes
        if route.authorizer is not None and isinstance(route.authorizer, Authorizer)
    )
    names.update(url.function for url in urls)
    return names
