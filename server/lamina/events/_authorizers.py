"""API Gateway REST API Lambda authorizers: the TOKEN and REQUEST events a function sees.

A REQUEST authorizer gets the request as the proxy integration would, less its body, with the
`methodArn` it is asked about; a TOKEN authorizer only the token and the `methodArn`.
"""

from __future__ import annotations

from datetime import datetime

from lamina.events._common import Default, Event, Params, Spec, partition
from lamina.events._http import _http_defaults, build_apigateway_rest


def _method_arn(p: Params, event: Event) -> str:
    context = event["requestContext"]
    assert isinstance(context, dict)
    path = str(event["path"]).lstrip("/")  # the request's path, not the resource template
    return (
        f"arn:{partition(p['region'])}:execute-api:{p['region']}:{p['account']}:"
        f"{context['apiId']}/{p['stage']}/{event['httpMethod']}/{path}"
    )


def build_request_authorizer(p: Params, now: datetime) -> Event:
    request = build_apigateway_rest(p, now)
    for key in ("body", "isBase64Encoded"):
        request.pop(key)
    context = request["requestContext"]
    assert isinstance(context, dict) and isinstance(context["identity"], dict)
    context["identity"] = {"apiKey": None, **context["identity"]}
    return {"type": "REQUEST", "methodArn": _method_arn(p, request), **request}


def build_token_authorizer(p: Params, now: datetime) -> Event:
    request = build_apigateway_rest(p, now)
    return {
        "type": "TOKEN",
        "authorizationToken": p["token"],
        "methodArn": _method_arn(p, request),
    }


def _defaults(**extra: str) -> dict[str, Default]:
    return _http_defaults(resource="", stage="prod", api_key="", api_key_id="", **extra)


SPECS: tuple[Spec, ...] = (
    Spec(
        "apigateway-token-authorizer",
        "API Gateway REST API Lambda authorizer, TOKEN type (the Authorization header's token)",
        _defaults(token="allow"),
        build_token_authorizer,
        aliases=("token-authorizer", "authorizer"),
    ),
    Spec(
        "apigateway-request-authorizer",
        "API Gateway REST API Lambda authorizer, REQUEST type (headers, query, stage, context)",
        _defaults(),
        build_request_authorizer,
        aliases=("request-authorizer",),
    ),
)
