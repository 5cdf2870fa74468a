"""What `lamina events generate --function F` fills in from F's API route: the event source
(REST → apigateway-rest, HTTP API 2.0 → apigateway-http, 1.0 → apigateway-rest, a Function
URL → function-url), the method, a path that fits the route (each `{param}` replaced by a
sample value), the resource or route key, the stage, and for a route with ApiKeyRequired (the
x-api-key header's or, with ApiKeySourceType AUTHORIZER, its authorizer's) the API's first key (`requestContext.identity.apiKey` and `apiKeyId`, as `lamina api` fills them)."""

from __future__ import annotations

from lamina.gateway.authorizers import Authorizer
from lamina.gateway.routes import ANY, DEFAULT_ROUTE, ApiKind, Route, api_key_id

PROXY_SAMPLE = "path/to/resource"
SAMPLE_API_KEY = "sample-api-key-0123456789"  # a route needing a key on an API that names none


def sample_path(template: str) -> str:
    """`/items/{id}` → `/items/id`, `/{proxy+}` → `/path/to/resource`."""
    parts = []
    for part in template.strip("/").split("/"):
        if part.startswith("{") and part.endswith("+}"):
            parts.append(PROXY_SAMPLE)
        elif part.startswith("{") and part.endswith("}"):
            parts.append(part[1:-1])
        else:
            parts.append(part)
    return "/" + "/".join(p for p in parts if p)


def route_event_values(route: Route) -> tuple[str, dict[str, str]]:
    """(event source name, --set values) for a route."""
    method = "GET" if route.method == ANY else route.method
    path = "/" if route.path == DEFAULT_ROUTE else sample_path(route.path)
    values = {"method": method, "path": path, "stage": route.api.stage}
    if route.api.kind is ApiKind.HTTP and route.payload_version == "2.0":
        values["route"] = route.route_key
        return "apigateway-http", values
    if route.path != DEFAULT_ROUTE:
        values["resource"] = route.path
    from_authorizer = isinstance(route.authorizer, Authorizer) and route.authorizer.key_source
    if route.api_key_required or from_authorizer:  # as `lamina api` fills in the request's key
        key = route.api.api_keys[0] if route.api.api_keys else SAMPLE_API_KEY
        values.update(api_key=key, api_key_id=api_key_id(key))
    return "apigateway-rest", values


def function_url_event_values() -> tuple[str, dict[str, str]]:
    return "function-url", {"method": "GET", "path": "/"}
