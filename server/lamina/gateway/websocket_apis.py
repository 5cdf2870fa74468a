"""WebSocket APIs from a template (`AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`, its
`AWS::ApiGatewayV2::Route`s, `Integration`s and `Stage`), and the events API Gateway sends
their functions: CONNECT, MESSAGE and DISCONNECT, with `requestContext.connectionId`,
`eventType`, `routeKey`, `domainName` and `stage`."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from lamina.gateway.request_parts import grouped, query_pairs, request_time
from lamina.gateway.routes import api_id_for
from lamina.gateway.template_auth import function_in_uri
from lamina.runtime.invocation import new_request_id

V2 = "AWS::ApiGatewayV2::"


@dataclass(frozen=True)
class WebSocketApi:
    logical_id: str
    stage: str
    selection_expression: str  # e.g. $request.body.action
    routes: tuple[tuple[str, str], ...] = ()  # (route key, function logical id)
    # Two-way routes (RouteResponseSelectionExpression and a $default RouteResponse): the
    # function's answer goes back to the client.
    two_way: frozenset[str] = frozenset()

    @cached_property
    def api_id(self) -> str:  # a hash: made once, not for every message's event
        return api_id_for(self.logical_id)

    @cached_property
    def _functions(self) -> dict[str, str]:
        return dict(self.routes)

    def function_for(self, route_key: str) -> str | None:
        return self._functions.get(route_key)

    def select_route(self, body: str) -> str:
        """The route key a message selects (`$request.body.<path>`), else `$default`."""
        expression = self.selection_expression
        prefix = "$request.body."
        if expression.startswith(prefix):
            try:
                value: Any = json.loads(body)
            except ValueError:
                value = None
            for part in expression[len(prefix) :].split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if isinstance(value, str) and value in self._functions:
                return value
        return "$default"


def logical_ref(value: Any) -> str | None:
    """The logical id a Ref, or an `integrations/<Ref>` Join or Sub, points at."""
    if isinstance(value, Mapping):
        if "Ref" in value:
            return str(value["Ref"])
        for key in ("Fn::Join", "Fn::Sub"):
            if key in value:
                text = json.dumps(value[key])
                for marker in ('"Ref": "', "${"):
                    if marker in text:
                        return text.split(marker, 1)[1].split('"' if marker[0] == '"' else "}")[0]
    return None


def read_websocket_apis(
    resources: Mapping[str, Any],
    functions: set[str],
    value: Callable[[Any, str], Any],
    warn: Callable[[str, str], None],
) -> list[WebSocketApi]:
    def of_type(kind: str) -> dict[str, Mapping[str, Any]]:
        return {
            str(k): (r.get("Properties") or {})
            for k, r in resources.items()
            if isinstance(r, Mapping) and r.get("Type") == V2 + kind
        }

    apis = {
        name: props
        for name, props in of_type("Api").items()
        if str(props.get("ProtocolType", "")).upper() == "WEBSOCKET"
    }
    integrations = of_type("Integration")
    stages = of_type("Stage")
    answered = {logical_ref(r.get("RouteId")) for r in of_type("RouteResponse").values()}
    found = []
    for name, props in apis.items():
        routes = []
        two_way = set()
        for route_name, route in of_type("Route").items():
            if logical_ref(route.get("ApiId")) != name:
                continue
            integration = integrations.get(logical_ref(route.get("Target")) or "")
            function = function_in_uri((integration or {}).get("IntegrationUri"))
            if function is None or function not in functions:
                warn(route_name, "its integration names no function Lamina runs here; skipped")
                continue
            key = str(value(route.get("RouteKey"), f"{route_name}.RouteKey"))
            routes.append((key, function))
            if route.get("RouteResponseSelectionExpression") and route_name in answered:
                two_way.add(key)
        stage = next(
            (
                str(value(s.get("StageName"), f"{k}.StageName"))
                for k, s in stages.items()
                if logical_ref(s.get("ApiId")) == name
            ),
            "production",
        )
        expression = str(props.get("RouteSelectionExpression") or "$request.body.action")
        found.append(WebSocketApi(name, stage, expression, tuple(routes), frozenset(two_way)))
    return found


@dataclass
class Connection:
    connection_id: str
    api: WebSocketApi
    domain_name: str
    source_ip: str
    user_agent: str
    connected_at: int = field(default_factory=lambda: int(time.time() * 1000))
    last_active_at: int = field(default_factory=lambda: int(time.time() * 1000))


def new_connection_id() -> str:
    return os.urandom(6).hex() + "="  # AWS's ids are 12 base64 characters ending in =


def websocket_event(
    connection: Connection,
    route_key: str,
    event_type: str,
    *,
    body: str | None = None,
    headers: list[tuple[str, str]] | None = None,
    query: str = "",
    account_id: str = "",
) -> dict[str, Any]:
    now = int(time.time() * 1000)
    request_id = new_request_id()
    context: dict[str, Any] = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": request_time(now),
        "messageDirection": "IN",
        "stage": connection.api.stage,
        "connectedAt": connection.connected_at,
        "requestTimeEpoch": now,
        "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
        "requestId": request_id,
        "domainName": connection.domain_name,
        "connectionId": connection.connection_id,
        "apiId": connection.api.api_id,
    }
    event: dict[str, Any] = {}
    if event_type == "MESSAGE":
        context["messageId"] = os.urandom(6).hex() + "="
    if event_type == "DISCONNECT":
        context["disconnectStatusCode"] = 1005
        context["disconnectReason"] = ""
    if headers is not None:
        event["headers"] = {name: value for name, value in headers}
        event["multiValueHeaders"] = grouped(list(headers))
    if event_type == "CONNECT":
        pairs = query_pairs(query)
        if pairs:
            event["queryStringParameters"] = {k: v[-1] for k, v in grouped(pairs).items()}
            event["multiValueQueryStringParameters"] = grouped(pairs)
    event["requestContext"] = context
    if body is not None:
        event["body"] = body
    event["isBase64Encoded"] = False
    return event
