"""The Lambda proxy event, payload format 1.0: REST APIs, and HTTP APIs that ask for 1.0.

Checked against what real API Gateway sent (../shared/recordings/localstack/apigateway/
test_apigateway_lambda.snapshot.json, `test_lambda_aws_proxy_integration`): `path` is the path
as sent (not decoded); query values are decoded; `Content-Length` and `Connection` are not
passed; `Authorization` and `User-Agent` arrive title-cased (API Gateway sits behind
CloudFront); absent parts are null. REST's `requestContext.path` starts with the stage.
"""

from __future__ import annotations

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
from lamina.gateway.routes import ApiKind, RouteMatch

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


def identity(request: HttpRequest) -> dict[str, Any]:
    return {
        "accessKey": None,
        "accountId": None,
        "caller": None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": request.source_ip,
        "user": None,
        "userAgent": request.header("user-agent") or "",
        "userArn": None,
    }


def v1_event(
    request: HttpRequest,
    match: RouteMatch,
    *,
    request_id: str,
    epoch_ms: int,
    account_id: str,
) -> dict[str, Any]:
    route = match.route
    api = route.api
    rest = api.kind is ApiKind.REST
    path = "/" + request.path.lstrip("/")
    headers, multi_headers = event_headers(request, lower=not rest)
    pairs = query_pairs(request.query)
    multi_query = grouped(pairs)
    body, encoded = None, False
    if request.body:  # the media type matters only for a body
        kind = media_type(request)
        if rest:
            binary = matches_media_type(kind, api.binary_media_types)
        else:
            binary = not is_text_media_type(kind)
        body, encoded = body_field(request.body, binary)
    resource = route.path if route.path != "$default" else path
    host = request.host
    context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api.api_id,
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0],
        "extendedRequestId": request_id,
        "httpMethod": request.method,
        "identity": identity(request),
        "path": f"/{api.stage}{path}" if rest else path,
        "protocol": request.protocol,
        "requestId": request_id,
        "requestTime": request_time(epoch_ms),
        "requestTimeEpoch": epoch_ms,
        "resourceId": api.api_id[:6] if rest else None,
        "resourcePath": resource,
        "stage": api.stage,
    }
    if rest:
        context["deploymentId"] = api.api_id[::-1][:6]
    else:
        context["authorizer"] = {"claims": None, "scopes": None}
    event: dict[str, Any] = {
        "resource": resource,
        "path": path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": dict(api.stage_variables) or None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": encoded,
    }
    if not rest:
        event = {"version": "1.0", **event}
    return event
