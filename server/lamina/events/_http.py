"""HTTP front doors: API Gateway REST (v1) and HTTP (v2) APIs, ALB and function URLs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import parse_qsl

from lamina.events._common import (
    DEFAULT_ACCOUNT,
    SOURCE_IP,
    USER_AGENT,
    Default,
    Event,
    Params,
    Spec,
    b64_token,
    clf_time,
    default_region,
    dns_suffix,
    epoch_ms,
    hex_id,
    new_uuid,
    partition,
    trace_id,
)

# --- shared pieces ------------------------------------------------------------------------


def _path_and_query(p: Params) -> tuple[str, str]:
    """The request path (always starting with "/") and raw query string.

    A query written into `path` ("/users?limit=10") is used unless `query` is set too.
    """
    path = p["path"].strip()
    query = p["query"].strip()
    if "?" in path:
        path, _, inline = path.partition("?")
        query = query or inline
    if not path.startswith("/"):
        path = "/" + path
    return path, query.lstrip("?")


def match_route(template: str, path: str) -> dict[str, str] | None:
    """The path parameters when `path` fits `template` ("/users/{id}", "/{proxy+}"), else None."""
    t_parts = [s for s in template.strip("/").split("/") if s]
    p_parts = [s for s in path.strip("/").split("/") if s]
    params: dict[str, str] = {}
    for i, segment in enumerate(t_parts):
        if segment.startswith("{") and segment.endswith("}"):
            name = segment[1:-1]
            if name.endswith("+"):
                if i >= len(p_parts):
                    return None
                params[name[:-1]] = "/".join(p_parts[i:])
                return params
            if i >= len(p_parts):
                return None
            params[name] = p_parts[i]
        elif i >= len(p_parts) or p_parts[i] != segment:
            return None
    return params if len(p_parts) == len(t_parts) else None


def _path_parameters(p: Params, template: str, path: str) -> dict[str, str]:
    params = match_route(template, path)
    if params is None:
        raise ValueError(f"{p.source}: path {path!r} does not match the route {template!r}")
    return params


def _content_type(body: str) -> str:
    try:
        json.loads(body)
    except ValueError:
        return "text/plain"
    return "application/json"


def _merge_headers(base: dict[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """`base` updated with `extra`, where names match without regard to case."""
    merged = dict(base)
    for name, value in extra.items():
        for existing in [k for k in merged if k.lower() == name.lower()]:
            del merged[existing]
        merged[name] = value
    return merged


def _request_headers(host: str, body: str, now: datetime, port: str, proto: str) -> dict[str, str]:
    headers = {"Accept": "*/*"}
    if body:
        headers["Content-Length"] = str(len(body.encode("utf-8")))
        headers["Content-Type"] = _content_type(body)
    headers.update(
        {
            "Host": host,
            "User-Agent": USER_AGENT,
            "X-Amzn-Trace-Id": trace_id(now),
            "X-Forwarded-For": SOURCE_IP,
            "X-Forwarded-Port": port,
            "X-Forwarded-Proto": proto,
        }
    )
    return headers


def _http_defaults(**extra: str) -> dict[str, Default]:
    return {
        "method": "GET",
        "path": "/",
        "query": "",
        "body": "",
        "headers": "{}",
        **extra,
        "region": default_region,
        "account": DEFAULT_ACCOUNT,
    }


# --- API Gateway REST API (payload format 1.0) -----------------------------------------------


def build_apigateway_rest(p: Params, now: datetime) -> Event:
    region, account, stage = p["region"], p["account"], p["stage"]
    method = p["method"].strip().upper()
    path, query = _path_and_query(p)
    body = p["body"]
    resource = p["resource"].strip() or path
    path_params = _path_parameters(p, resource, path)

    api_id = hex_id(10)
    domain = f"{api_id}.execute-api.{region}.{dns_suffix(region)}"
    api_key = p["api_key"].strip()  # a route with ApiKeyRequired: the x-api-key it was sent
    headers = _request_headers(domain, body, now, "443", "https")
    if api_key:
        headers["x-api-key"] = api_key
    headers = _merge_headers(headers, p.string_map("headers"))
    pairs = parse_qsl(query, keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for name, value in pairs:
        multi_query.setdefault(name, []).append(value)

    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": hex_id(6),
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": b64_token(11),
            "requestTime": clf_time(now),
            "path": f"/{stage}{path}",
            "accountId": account,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": api_id,
            "requestTimeEpoch": epoch_ms(now),
            "requestId": new_uuid(),
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": SOURCE_IP,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": next(
                    (v for k, v in headers.items() if k.lower() == "user-agent"), USER_AGENT
                ),
                "user": None,
                **(
                    {"apiKey": api_key, "apiKeyId": p["api_key_id"].strip() or hex_id(10)}
                    if api_key
                    else {}
                ),
            },
            "domainName": domain,
            "deploymentId": hex_id(6),
            "apiId": api_id,
        },
        "body": body or None,
        "isBase64Encoded": False,
    }


# --- HTTP API and function URLs (payload format 2.0) --------------------------------------


def _v2_event(
    p: Params,
    now: datetime,
    *,
    api_id: str,
    domain: str,
    stage: str,
    route: str,
    function_url: bool = False,
) -> Event:
    method = p["method"].strip().upper()
    path, query = _path_and_query(p)
    body = p["body"]

    route_key = "$default"
    path_params: dict[str, str] = {}
    if route and route != "$default":
        route_method, _, template = route.partition(" ")
        if not template:  # just a path was given
            route_method, template = method, route_method
        route_key = f"{route_method.upper()} {template}"
        path_params = _path_parameters(p, template, path)

    base = {k.lower(): v for k, v in _request_headers(domain, body, now, "443", "https").items()}
    headers: dict[str, str] = {}
    for name, value in _merge_headers(base, p.string_map("headers")).items():
        headers[name.lower()] = value
    cookie_header = headers.pop("cookie", "")
    cookies = [c.strip() for c in cookie_header.split(";") if c.strip()]

    query_params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        query_params[name] = f"{query_params[name]},{value}" if name in query_params else value

    raw_path = path if stage == "$default" else f"/{stage}{path}"
    event: Event = {"version": "2.0", "routeKey": route_key, "rawPath": raw_path}
    event["rawQueryString"] = query
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query_params:
        event["queryStringParameters"] = query_params
    context: dict[str, object] = {"accountId": p["account"], "apiId": api_id}
    if function_url:
        # Function URLs report this as null; with auth type NONE there is no `authorizer`.
        context["authentication"] = None
    event["requestContext"] = context | {
        "domainName": domain,
        "domainPrefix": api_id,
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": SOURCE_IP,
            "userAgent": headers.get("user-agent", USER_AGENT),
        },
        "requestId": b64_token(11),
        "routeKey": route_key,
        "stage": stage,
        "time": clf_time(now),
        "timeEpoch": epoch_ms(now),
    }
    if path_params:
        event["pathParameters"] = path_params
    elif function_url:
        event["pathParameters"] = None
    if body:
        event["body"] = body
    event["isBase64Encoded"] = False
    if function_url:
        event["stageVariables"] = None
    return event


def build_apigateway_http(p: Params, now: datetime) -> Event:
    region = p["region"]
    api_id = hex_id(10)
    domain = f"{api_id}.execute-api.{region}.{dns_suffix(region)}"
    stage = p["stage"].strip() or "$default"
    return _v2_event(p, now, api_id=api_id, domain=domain, stage=stage, route=p["route"].strip())


def build_function_url(p: Params, now: datetime) -> Event:
    url_id = hex_id(32)
    domain = f"{url_id}.lambda-url.{p['region']}.on.aws"
    return _v2_event(
        p, now, api_id=url_id, domain=domain, stage="$default", route="", function_url=True
    )


# --- Application Load Balancer ------------------------------------------------------------


def build_alb(p: Params, now: datetime) -> Event:
    region, account = p["region"], p["account"]
    method = p["method"].strip().upper()
    path, query = _path_and_query(p)
    body = p["body"]
    target_group = p["target_group"].strip()
    if target_group.startswith("arn:"):
        target_group_arn = target_group
    else:
        target_group_arn = (
            f"arn:{partition(region)}:elasticloadbalancing:{region}:{account}:"
            f"targetgroup/{target_group}/{hex_id(16)}"
        )
    host = f"my-alb-{hex_id(8)}.{region}.elb.{dns_suffix(region)}"
    base = {k.lower(): v for k, v in _request_headers(host, body, now, "80", "http").items()}
    headers = {k.lower(): v for k, v in _merge_headers(base, p.string_map("headers")).items()}

    # The load balancer passes query parameters on as they were sent: not URL-decoded, and the
    # last value wins when a name repeats.
    query_params: dict[str, str] = {}
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            query_params[name] = value

    return {
        "requestContext": {"elb": {"targetGroupArn": target_group_arn}},
        "httpMethod": method,
        "path": path,
        "queryStringParameters": query_params,
        "headers": headers,
        "body": body,
        "isBase64Encoded": False,
    }


SPECS = (
    Spec(
        "apigateway-rest",
        "API Gateway REST API request (Lambda proxy integration, payload format 1.0)",
        _http_defaults(resource="", stage="prod", api_key="", api_key_id=""),
        build_apigateway_rest,
        aliases=("apigateway", "api-rest", "rest-api", "apigateway-v1", "api"),
    ),
    Spec(
        "apigateway-http",
        "API Gateway HTTP API request (payload format 2.0)",
        _http_defaults(route="$default", stage="$default"),
        build_apigateway_http,
        aliases=("http-api", "api-http", "apigateway-v2", "httpapi"),
    ),
    Spec(
        "alb",
        "Application Load Balancer request to a Lambda target group",
        _http_defaults(target_group="my-target-group"),
        build_alb,
        aliases=("elb", "load-balancer"),
    ),
    Spec(
        "function-url",
        "Lambda function URL request (auth type NONE, payload format 2.0)",
        _http_defaults(),
        build_function_url,
        aliases=("lambda-url", "url"),
    ),
)
