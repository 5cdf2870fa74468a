"""Route tables: which function answers a method and path, with API Gateway's precedence.

A path segment that is literal beats a `{param}`, which beats a greedy `{proxy+}`; a route with
its own method beats `ANY`; an HTTP API's `$default` route catches what nothing else matched.
Matching is on the path as the client sent it (API Gateway does not decode it: `%2B` stays
`%2B` in `path` and in `pathParameters`); a trailing slash is ignored for matching only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

from lamina.gateway.authorizers import Authorizer
from lamina.gateway.cors import CorsRules
from lamina.gateway.iam_auth import IamAuthorizer
from lamina.gateway.jwt_authorizers import JwtAuthorizer
from lamina.gateway.nonproxy import NonProxyIntegration
from lamina.gateway.request_validation import RequestValidation
from lamina.gateway.usage_plans import StagePlans, UsagePlan

DEFAULT_ROUTE = "$default"
ANY = "ANY"


class ApiKind(str, Enum):
    REST = "REST"  # AWS::Serverless::Api, Events Type: Api
    HTTP = "HTTP"  # AWS::Serverless::HttpApi, Events Type: HttpApi
    FUNCTION_URL = "URL"  # FunctionUrlConfig


def api_id_for(name: str) -> str:
    """A stable 10-character id, like API Gateway's, from the API's logical id."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    return "".join(chr(ord("a") + int(c, 16) % 26) if c.isdigit() else c for c in digest[:10])


@dataclass(frozen=True)
class Api:
    logical_id: str
    kind: ApiKind
    stage: str
    binary_media_types: tuple[str, ...] = ()
    stage_variables: tuple[tuple[str, str], ...] = ()
    source_line: int | None = None
    cors: CorsRules | None = None
    # The x-api-key values the template defines (AWS::ApiGateway::ApiKey Value); empty: any.
    api_keys: tuple[str, ...] = ()
    # Throttle and quota per API key (REST APIs): SAM's plan, or the plans naming the stage.
    usage_plan: UsagePlan | StagePlans | None = None

    @cached_property
    def api_id(self) -> str:
        return api_id_for(self.logical_id)


@dataclass(frozen=True)
class Route:
    api: Api
    method: str  # upper case, or ANY
    path: str  # "/users/{id}", "/{proxy+}" or "$default"
    function: str  # the function's logical id
    payload_version: str = "1.0"  # "1.0" or "2.0"
    timeout_ms: int | None = None  # the integration timeout, where the template sets one
    source_line: int | None = None  # the line of the event (or path) in the template
    authorizer: Authorizer | JwtAuthorizer | IamAuthorizer | None = None
    api_key_required: bool = False
    integration: NonProxyIntegration | None = None  # type: aws (else a Lambda proxy)
    stream: bool = False  # a REST proxy integration with responseTransferMode STREAM
    validation: RequestValidation | None = None  # a REST method's request validator's checks

    @property
    def route_key(self) -> str:
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"


@dataclass
class RouteMatch:
    route: Route
    path_parameters: dict[str, str] = field(default_factory=dict)


_LITERAL, _PARAM, _GREEDY = 0, 1, 2


def _segments(path: str) -> list[tuple[int, str]]:
    parts = path.strip("/").split("/") if path.strip("/") else []
    out: list[tuple[int, str]] = []
    for part in parts:
        if part.startswith("{") and part.endswith("+}"):
            out.append((_GREEDY, part[1:-2]))
        elif part.startswith("{") and part.endswith("}"):
            out.append((_PARAM, part[1:-1]))
        else:
            out.append((_LITERAL, part))
    return out


class _CompiledRoute:
    def __init__(self, route: Route) -> None:
        self.route = route
        self.segments = _segments(route.path) if route.path != DEFAULT_ROUTE else []
        kinds = tuple(kind for kind, _ in self.segments)
        # Sorted ascending: literal before param before greedy, segment by segment; then a
        # route's own method before ANY; $default after everything.
        self.rank = (route.path == DEFAULT_ROUTE, kinds, route.method == ANY)

    def match(self, parts: list[str], whole: str) -> dict[str, str] | None:
        params: dict[str, str] = {}
        for index, (kind, text) in enumerate(self.segments):
            if kind == _GREEDY:
                rest = whole.split("/", index)[-1] if index else whole
                if index >= len(parts) or not rest:
                    return None  # a greedy segment needs at least one segment
                params[text] = rest
                return params
            if index >= len(parts):
                return None
            if kind == _LITERAL:
                if parts[index] != text:
                    return None
            else:
                if not parts[index]:
                    return None
                params[text] = parts[index]
        return params if len(parts) == len(self.segments) else None


class RouteTable:
    """The routes of every API Lamina serves on one port."""

    def __init__(self, routes: list[Route] | None = None) -> None:
        self._compiled: list[_CompiledRoute] = []
        # The common case, found without a scan: a literal path and its methods.
        self._literal: dict[tuple[str, str], Route] = {}
        for route in routes or []:
            self.add(route)

    def add(self, route: Route) -> None:
        compiled = _CompiledRoute(route)
        self._compiled.append(compiled)
        self._compiled.sort(key=lambda c: c.rank)
        self._literal.clear()
        for c in reversed(self._compiled):  # so the first (best) route wins the slot
            if c.segments and all(kind == _LITERAL for kind, _ in c.segments):
                key = (c.route.method, "/" + "/".join(text for _, text in c.segments))
                self._literal[key] = c.route
            elif not c.segments and c.route.path != DEFAULT_ROUTE:
                self._literal[(c.route.method, "/")] = c.route

    @property
    def routes(self) -> list[Route]:
        return [c.route for c in self._compiled]

    def match(self, method: str, path: str) -> RouteMatch | None:
        method = method.upper()
        trimmed = path.strip("/")
        key_path = "/" + trimmed
        for wanted in (method, ANY):
            route = self._literal.get((wanted, key_path))
            if route is not None:
                return RouteMatch(route)
        parts = trimmed.split("/") if trimmed else []
        for compiled in self._compiled:
            route = compiled.route
            if route.method not in (method, ANY):
                continue
            if route.path == DEFAULT_ROUTE:
                return RouteMatch(route)
            params = compiled.match(parts, trimmed)
            if params is not None:
                return RouteMatch(route, params)
        return None

    def stage_hint(self, method: str, path: str) -> str | None:
        """For a path with no route: the route it names once its first segment, a stage of that
        route's API, is dropped (a URL copied from AWS with its stage: /Prod/hello)."""
        stage, _, rest = path.lstrip("/").partition("/")
        match = self.match(method, "/" + rest) if stage else None
        if match is None or match.route.api.stage != stage:
            return None
        return f"no route; without the stage prefix /{stage} this is {method} /{rest}"

    def match_any_method(self, path: str) -> RouteMatch | None:
        """The best route for `path` whatever its method (for a CORS preflight)."""
        trimmed = path.strip("/")
        parts = trimmed.split("/") if trimmed else []
        for compiled in self._compiled:
            if compiled.route.path == DEFAULT_ROUTE:
                return RouteMatch(compiled.route)
            params = compiled.match(parts, trimmed)
            if params is not None:
                return RouteMatch(compiled.route, params)
        return None

    def methods_on(self, route: Route) -> list[str]:
        """The methods of `route`'s API on `route`'s path (ANY stays ANY)."""
        return [
            c.route.method
            for c in self._compiled
            if c.route.api.logical_id == route.api.logical_id and c.route.path == route.path
        ]

    def kinds(self) -> set[ApiKind]:
        return {c.route.api.kind for c in self._compiled}


def api_key_id(key: str) -> str:
    """A stable 10-character id for an API key, like API Gateway's."""
    return api_id_for("key:" + key)
