"""The Lambda event, payload format 2.0: HTTP APIs and Function URLs.

As the AWS docs' example events show it: header names lower-cased and repeated values joined by
commas, the Cookie header moved to `cookies`, query values joined by commas, absent parts left
out (not null), `requestContext.http` and `time`/`timeEpoch`.
"""

from __future__ import annotations

from typing import Any

from lamina.gateway.http_types import HttpRequest
from lamina.gateway.request_parts import (
    body_field,
    grouped,
    is_text_media_type,
    media_type,
    query_pairs,
    request_time,
)
from lamina.gateway.routes import RouteMatch


def v2_headers(request: HttpRequest) -> tuple[dict[str, str], list[str]]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    return headers, cookies


def v2_event(
    request: HttpRequest,
    match: RouteMatch,
    *,
    request_id: str,
    epoch_ms: int,
    account_id: str,
    raw_path: str | None = None,
    api_id: str | None = None,
) -> dict[str, Any]:
    """`raw_path` replaces the request's path (a Function URL's prefix stripped); `api_id`
    replaces the API's id (a Function URL's url id)."""
    route = match.route
    api = route.api
    path = raw_path if raw_path is not None else request.path
    headers, cookies = v2_headers(request)
    host = request.host
    context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api_id or api.api_id,
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent") or "",
        },
        "requestId": request_id,
        "routeKey": route.route_key,
        "stage": api.stage,
        "time": request_time(epoch_ms),
        "timeEpoch": epoch_ms,
    }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": path,
        "rawQueryString": request.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = grouped(query_pairs(request.query))
    if query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in query.items()}
    if match.path_parameters:
        event["pathParameters"] = dict(match.path_parameters)
    if api.stage_variables:
        event["stageVariables"] = dict(api.stage_variables)
    event["requestContext"] = context
    encoded = False
    if request.body:  # the media type matters only for a body
        binary = not is_text_media_type(media_type(request))
        event["body"], encoded = body_field(request.body, binary)
    event["isBase64Encoded"] = encoded
    return event
