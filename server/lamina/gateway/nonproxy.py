"""REST API methods with a non-proxy Lambda integration (`x-amazon-apigateway-integration`
with `type: aws`): mapping templates in and out, and asynchronous invocation.

- The request body goes through the request template for its Content-Type (default
  application/json); without one it passes through as is (`passthroughBehavior:
  WHEN_NO_MATCH`, the default) or is refused with 415 (`NEVER`).
- The invocation is asynchronous when the integration's `requestParameters` set
  `integration.request.header.X-Amz-Invocation-Type` to `'Event'`, or map it from the client's
  header (`method.request.header.<Name>`) and the client sent `Event`. A client's
  X-Amz-Invocation-Type that the integration doesn't map changes nothing, as on AWS.
  Asynchronous: the client gets the integration response at once; the function runs on.
- The integration response is chosen by `selectionPattern` (the keys of `responses`, matched
  against a function error's errorMessage; `default` otherwise), with its `statusCode`,
  `responseParameters` (static `'values'`) and response template.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lamina.gateway.http_types import HttpRequest, HttpResponse
from lamina.gateway.request_parts import media_type
from lamina.gateway.responses import message_response
from lamina.gateway.vtl import TemplateError, TemplateInput, render
from lamina.runtime.invocation import InvocationResult

INVOCATION_TYPE = "integration.request.header.X-Amz-Invocation-Type"
JSON = "application/json"


@dataclass(frozen=True)
class IntegrationResponse:
    pattern: str  # "default", or a regex for errorMessage
    status: int = 200
    templates: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NonProxyIntegration:
    request_templates: tuple[tuple[str, str], ...] = ()
    invocation_type: str | None = None  # "'Event'", or method.request.header.<Name>
    passthrough: str = "WHEN_NO_MATCH"
    responses: tuple[IntegrationResponse, ...] = (IntegrationResponse("default"),)

    def asynchronous(self, request: HttpRequest) -> bool:
        source = self.invocation_type
        if source is None:
            return False
        if source.startswith("'") and source.endswith("'"):
            return source[1:-1] == "Event"
        if source.startswith("method.request.header."):
            return request.header(source.rsplit(".", 1)[1]) == "Event"
        return False

    def choose(self, error_message: str | None) -> IntegrationResponse:
        default = next((r for r in self.responses if r.pattern == "default"), None)
        if error_message is not None:
            for response in self.responses:
                if response.pattern != "default" and re.fullmatch(
                    response.pattern, error_message, re.DOTALL
                ):
                    return response
        return default or IntegrationResponse("default")


def non_proxy(integration: Mapping[str, Any]) -> NonProxyIntegration | None:
    """A `type: aws` (non-proxy) integration's templates and responses; None for aws_proxy."""
    if str(integration.get("type", "aws_proxy")).lower() != "aws":
        return None
    return integration_from_openapi(dict(integration))


def integration_from_openapi(config: dict[str, Any]) -> NonProxyIntegration:
    """From an `x-amazon-apigateway-integration` object of `type: aws`."""
    parameters = config.get("requestParameters") or {}
    responses = []
    for pattern, response in (config.get("responses") or {}).items():
        if not isinstance(response, dict):
            continue
        headers = tuple(
            (name.rsplit(".", 1)[1], str(value).strip("'"))
            for name, value in (response.get("responseParameters") or {}).items()
            if name.startswith("method.response.header.")
        )
        responses.append(
            IntegrationResponse(
                pattern=str(pattern),
                status=int(response.get("statusCode") or 200),
                templates=tuple(
                    (str(k), str(v)) for k, v in (response.get("responseTemplates") or {}).items()
                ),
                headers=headers,
            )
        )
    return NonProxyIntegration(
        request_templates=tuple(
            (str(k), str(v)) for k, v in (config.get("requestTemplates") or {}).items()
        ),
        invocation_type=parameters.get(INVOCATION_TYPE),
        passthrough=str(config.get("passthroughBehavior") or "WHEN_NO_MATCH").upper(),
        responses=tuple(responses) or (IntegrationResponse("default"),),
    )


def _template_for(templates: tuple[tuple[str, str], ...], kind: str) -> str | None:
    table = dict(templates)
    return table.get(kind or JSON, table.get(JSON) if not kind else None)


@dataclass
class NonProxyOutcome:
    response: HttpResponse
    problem: str | None = None
    pending: Awaitable[InvocationResult] | None = None  # an asynchronous invocation, running


async def call_non_proxy(
    integration: NonProxyIntegration,
    request: HttpRequest,
    event: dict[str, Any],
    invoke: Callable[[bytes], Awaitable[InvocationResult]],
    start_in_background: Callable[[Awaitable[InvocationResult]], None],
) -> NonProxyOutcome:
    """`event` is the route's 1.0 event: its parts feed `$input.params()` and `$context`."""
    params = {
        "path": event.get("pathParameters") or {},
        "querystring": event.get("queryStringParameters") or {},
        "header": event.get("headers") or {},
    }
    context = event["requestContext"]
    stage_variables = event.get("stageVariables") or {}
    body = request.body.decode("utf-8", "replace")
    template = _template_for(integration.request_templates, media_type(request))
    if template is None and integration.passthrough == "NEVER":
        return NonProxyOutcome(message_response(415, "Unsupported Media Type"), "no template")
    try:
        payload = (
            body
            if template is None
            else render(template, TemplateInput(body, params), context, stage_variables)
        )
    except TemplateError as e:
        return NonProxyOutcome(message_response(500, "Internal server error"), str(e))
    data = payload.encode("utf-8")
    if integration.asynchronous(request):
        start_in_background(invoke(data))
        return _respond(
            integration.choose(None), "", context, stage_variables, "invoked with Event"
        )
    result = await invoke(data)
    error = None if result.ok else str((result.error or {}).get("errorMessage", ""))
    text = result.payload.decode("utf-8", "replace")
    return _respond(integration.choose(error), text, context, stage_variables, None)


def _respond(
    chosen: IntegrationResponse,
    body: str,
    context: dict[str, Any],
    stage_variables: dict[str, str],
    note: str | None,
) -> NonProxyOutcome:
    template = _template_for(chosen.templates, JSON)
    try:
        text = (
            body
            if template is None
            else render(template, TemplateInput(body), context, stage_variables)
        )
    except TemplateError as e:
        return NonProxyOutcome(message_response(500, "Internal server error"), str(e))
    headers = [("Content-Type", JSON), *chosen.headers]
    return NonProxyOutcome(HttpResponse(chosen.status, headers, text.encode("utf-8")), note)
