"""The Lambda proxy event, payload format 1.0: REST APIs, and HTTP APIs that ask for 1.0.

Checked against what real API Gateway sent (../shared/recordings/localstack/apigateway/
test_apigateway_lambda.snapshot.json, `test_lambda_aws_proxy_integration`): `path` is the path
as sent (not decoded); query values are decoded; `Content-Length` and `Connection` are not
passed; `Authorization` and `User-Agent` arrive title-cased (API Gateway sits behind
CloudFront); absent parts are null. REST's `requestContext.path` starts with the stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lamina.gateway.http_types import HttpRequest
from lamina.gateway.request_parts import (
    body_field,
    grouped,
    is_text_media_type,
    matches_media_type,
    media_type,
    query_pairs,
    request_time,
)
from lamina.gateway.routes import DEFAULT_ROUTE, ApiKind, Route, RouteMatch

_DROPPED = frozenset({"content-length", "connection"})
_TITLE_CASED = frozenset({"authorization", "user-agent"})


def event_headers(request: HttpRequest, lower: bool) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in request.headers:
        key = name.lower()
        if key in _DROPPED:
            continue
        if lower:
            name = key
        elif key in _TITLE_CASED:
            name = name.title()
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


_IDENTITY: dict[str, Any] = {
    "accessKey": None,
    "accountId": None,
    "caller": None,
    "cognitoAuthenticationProvider": None,
    "cognitoAuthenticationType": None,
    "cognitoIdentityId": None,
    "cognitoIdentityPoolId": None,
    "principalOrgId": None,
    "sourceIp": None,
    "user": None,
    "userAgent": None,
    "userArn": None,
}


def identity(request: HttpRequest) -> dict[str, Any]:
    found = _IDENTITY.copy()  # a copy keeps the keys' order; two are the request's
    found["sourceIp"] = request.source_ip
    found["userAgent"] = request.header("user-agent") or ""
    return found


@dataclass(frozen=True)
class _RouteParts:
    """What every event of one route shares, made at the route's first request: the event and
    its requestContext with their keys in order, the request's own values still to be set."""

    rest: bool
    stage_path: str  # requestContext.path's prefix: "/Prod" on REST APIs
    event: dict[str, Any]
    context: dict[str, Any]


# The keys in the order API Gateway sends them (recorded events).
_CONTEXT_KEYS = (
    "accountId", "apiId", "domainName", "domainPrefix", "extendedRequestId", "httpMethod",
    "identity", "path", "protocol", "requestId", "requestTime", "requestTimeEpoch", "resourceId",
    "resourcePath", "stage",
)  # fmt: skip
_EVENT_KEYS = (
    "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
    "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext",
    "body", "isBase64Encoded",
)  # fmt: skip

# id(route) -> (route, its parts): the route is kept with them, so its id is not reused while
# they are; template reloads make new routes, so the dict is emptied when it grows large.
_PARTS: dict[int, tuple[Route, _RouteParts]] = {}
_MAX_PARTS = 4096


def _route_parts(route: Route, account_id: str) -> _RouteParts:
    kept = _PARTS.get(id(route))
    if kept is not None and kept[0] is route and kept[1].context["accountId"] == account_id:
        return kept[1]
    api = route.api
    rest = api.kind is ApiKind.REST
    resource = route.path if route.path != DEFAULT_ROUTE else None  # $default: the path's own
    context: dict[str, Any] = dict.fromkeys(_CONTEXT_KEYS)
    context.update(
        accountId=account_id,
        apiId=api.api_id,
        resourceId=api.api_id[:6] if rest else None,
        resourcePath=resource,
        stage=api.stage,
    )
    if rest:
        context["deploymentId"] = api.api_id[::-1][:6]
    else:
        context["authorizer"] = None  # a fresh {"claims": None, "scopes": None} each event
    event: dict[str, Any] = {} if rest else {"version": "1.0"}
    event.update(dict.fromkeys(_EVENT_KEYS))
    event["resource"] = resource
    event["isBase64Encoded"] = False  # and "body" None: a request without one
    parts = _RouteParts(rest, f"/{api.stage}" if rest else "", event, context)
    if len(_PARTS) >= _MAX_PARTS:
        _PARTS.clear()
    _PARTS[id(route)] = (route, parts)
    return parts


def v1_event(
    request: HttpRequest,
    match: RouteMatch,
    *,
    request_id: str,
    epoch_ms: int,
    account_id: str,
) -> dict[str, Any]:
    route = match.route
    parts = _route_parts(route, account_id)
    rest = parts.rest
    path = "/" + request.path.lstrip("/")
    headers, multi_headers = event_headers(request, lower=not rest)
    host = request.host
    context = parts.context.copy()  # copies keep the keys' order: the same JSON as before
    context["domainName"] = host
    context["domainPrefix"] = host.split(".", 1)[0]
    context["extendedRequestId"] = request_id
    context["httpMethod"] = request.method
    context["identity"] = identity(request)
    context["path"] = parts.stage_path + path
    context["protocol"] = request.protocol
    context["requestId"] = request_id
    context["requestTime"] = request_time(epoch_ms)
    context["requestTimeEpoch"] = epoch_ms
    if context["resourcePath"] is None:
        context["resourcePath"] = path
    if not rest:
        context["authorizer"] = {"claims": None, "scopes": None}
    event = parts.event.copy()
    if event["resource"] is None:
        event["resource"] = path
    event["path"] = path
    event["httpMethod"] = request.method
    event["headers"] = headers or None
    event["multiValueHeaders"] = multi_headers or None
    if request.query:
        multi_query = grouped(query_pairs(request.query))
        if multi_query:
            event["queryStringParameters"] = {k: v[-1] for k, v in multi_query.items()}
            event["multiValueQueryStringParameters"] = multi_query
    event["pathParameters"] = match.path_parameters or None
    event["stageVariables"] = dict(route.api.stage_variables) or None
    event["requestContext"] = context
    if request.body:  # the media type matters only for a body
        kind = media_type(request)
        if rest:
            binary = matches_media_type(kind, route.api.binary_media_types)
        else:
            binary = not is_text_media_type(kind)
        event["body"], event["isBase64Encoded"] = body_field(request.body, binary)
    return event
