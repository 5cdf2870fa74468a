"""CORS as API Gateway does it, from the template's `Cors` (REST) or `CorsConfiguration` (HTTP).

- REST APIs: SAM adds an OPTIONS method (a mock integration) to every path, answering the
  preflight with the configured headers as they are written (`"'*'"` is `*`). Other responses
  get nothing added: a proxy integration's function sends its own CORS headers, as on AWS.
- HTTP APIs: API Gateway answers every preflight itself (204; the request's Origin echoed when it
  is allowed) and adds Access-Control-Allow-Origin (and -Credentials, -Expose-Headers) to the
  function's responses, replacing the function's own.
- A REST API's mock OPTIONS method (SAM's `Cors`, CDK's preflight) has an `application/json`
  request template and no `contentHandling`: a preflight whose Content-Type is one of the API's
  BinaryMediaTypes (`*/*`: any, none included) reaches it as binary data, and API Gateway answers
  500 ("Unable to transform request"; Powertools' docs warn of it, issue 3373).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lamina.gateway.http_types import HttpRequest, HttpResponse
from lamina.gateway.request_parts import matches_media_type
from lamina.gateway.responses import message_response


@dataclass(frozen=True)
class CorsRules:
    http_api: bool  # HTTP API semantics (else REST's mock OPTIONS method)
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False
    binary_media_types: tuple[str, ...] = ()  # the REST API's, which its mock OPTIONS can't take

    def origin_allowed(self, origin: str) -> str | None:
        """The Access-Control-Allow-Origin value for `origin`, or None when it is not allowed."""
        if "*" in self.allow_origins:
            return "*" if not self.allow_credentials else origin
        lowered = origin.lower()
        return origin if any(o.lower() == lowered for o in self.allow_origins) else None


def _unquote(value: object) -> str:
    """SAM's REST Cors values are quoted strings: "'GET,POST'" → GET,POST."""
    text = str(value).strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    return text


def _items(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v).strip() for v in value)
    return tuple(v.strip() for v in _unquote(value).split(",") if v.strip())


def rest_rules(cors: object, binary_media_types: tuple[str, ...] = ()) -> CorsRules | None:
    """From an AWS::Serverless::Api's `Cors`: a string (the allowed origin) or a mapping; with
    the API's BinaryMediaTypes."""
    if cors is None or cors is False:
        return None
    if not isinstance(cors, dict):
        return CorsRules(
            False, allow_origins=(_unquote(cors),), binary_media_types=binary_media_types
        )
    max_age = cors.get("MaxAge")
    return CorsRules(
        False,
        binary_media_types=binary_media_types,
        allow_origins=(_unquote(cors.get("AllowOrigin", "'*'")),),
        allow_methods=_items(cors.get("AllowMethods")),
        allow_headers=_items(cors.get("AllowHeaders")),
        max_age=int(_unquote(max_age)) if max_age is not None else None,
        allow_credentials=bool(cors.get("AllowCredentials")),
    )


def http_rules(cors: object) -> CorsRules | None:
    """From an AWS::Serverless::HttpApi's `CorsConfiguration`: true (allow all) or a mapping."""
    if cors is None or cors is False:
        return None
    if cors is True:
        return CorsRules(True, ("*",), ("*",), ("*",))
    if not isinstance(cors, dict):
        return None
    max_age = cors.get("MaxAge")
    return CorsRules(
        True,
        allow_origins=_items(cors.get("AllowOrigins")),
        allow_methods=_items(cors.get("AllowMethods")),
        allow_headers=_items(cors.get("AllowHeaders")),
        expose_headers=_items(cors.get("ExposeHeaders")),
        max_age=int(max_age) if max_age is not None else None,
        allow_credentials=bool(cors.get("AllowCredentials")),
    )


def is_preflight(request: HttpRequest) -> bool:
    return (
        request.method == "OPTIONS" and request.header("access-control-request-method") is not None
    )


# SAM's list for a path with an ANY method (samtranslator's SwaggerEditor._ALL_HTTP_METHODS).
_ALL_HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def path_allow_methods(path_methods: Iterable[str]) -> str:
    """What SAM's add_cors writes when `Cors` has no AllowMethods: the path's methods and
    OPTIONS, upper case, sorted; every method when the path has ANY."""
    methods = {m.upper() for m in path_methods}
    if "ANY" in methods:
        return ",".join(_ALL_HTTP_METHODS)
    return ",".join(sorted(methods | {"OPTIONS"}))


def preflight_response(
    rules: CorsRules, request: HttpRequest, path_methods: Iterable[str] = ()
) -> HttpResponse:
    """The preflight's answer; `path_methods` are the methods the matched path has (REST
    APIs without AllowMethods answer with them, as SAM's generated OPTIONS method does)."""
    headers: list[tuple[str, str]] = []
    if not rules.http_api and binary_preflight(rules.binary_media_types, request):
        return message_response(500, "Internal server error", "InternalServerErrorException")
    if not rules.http_api:
        # SAM's mock integration: the configured values, whatever the Origin.
        headers.append(("Access-Control-Allow-Origin", rules.allow_origins[0]))
        allowed = ",".join(rules.allow_methods) or path_allow_methods(path_methods)
        headers.append(("Access-Control-Allow-Methods", allowed))
        if rules.allow_headers:
            headers.append(("Access-Control-Allow-Headers", ",".join(rules.allow_headers)))
        if rules.max_age is not None:
            headers.append(("Access-Control-Max-Age", str(rules.max_age)))
        if rules.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return HttpResponse(200, headers, b"")
    origin = rules.origin_allowed(request.header("origin") or "")
    if origin is not None:
        headers.append(("Access-Control-Allow-Origin", origin))
        wanted = request.header("access-control-request-method") or ""
        methods = rules.allow_methods
        if methods:  # none configured: no header rather than an empty one (docs/http.md, CORS)
            headers.append(
                ("Access-Control-Allow-Methods", wanted if "*" in methods else ",".join(methods))
            )
        asked = request.header("access-control-request-headers")
        if rules.allow_headers:
            allowed = (
                asked if "*" in rules.allow_headers and asked else ",".join(rules.allow_headers)
            )
            headers.append(("Access-Control-Allow-Headers", allowed))
        if rules.max_age is not None:
            headers.append(("Access-Control-Max-Age", str(rules.max_age)))
        if rules.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
    return HttpResponse(204, headers, b"")


def binary_everything(binary_media_types: tuple[str, ...]) -> bool:
    """Whether BinaryMediaTypes holds `*/*`, which takes every request as binary data."""
    return any(t.strip().replace("~1", "/") == "*/*" for t in binary_media_types)


def binary_preflight(binary_media_types: tuple[str, ...], request: HttpRequest) -> bool:
    """Whether a REST API's mock OPTIONS method takes this preflight as binary data."""
    if binary_everything(binary_media_types):
        return True
    kind = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
    return matches_media_type(kind, binary_media_types)


def decorate(rules: CorsRules, request: HttpRequest, response: HttpResponse) -> None:
    """HTTP APIs: API Gateway's CORS headers on the function's response, replacing its own."""
    origin_header = request.header("origin")
    if not rules.http_api or origin_header is None:
        return
    origin = rules.origin_allowed(origin_header)
    response.headers = [
        (k, v) for k, v in response.headers if not k.lower().startswith("access-control-")
    ]
    if origin is None:
        return
    response.headers.append(("Access-Control-Allow-Origin", origin))
    if rules.allow_credentials:
        response.headers.append(("Access-Control-Allow-Credentials", "true"))
    if rules.expose_headers:
        response.headers.append(("Access-Control-Expose-Headers", ",".join(rules.expose_headers)))
