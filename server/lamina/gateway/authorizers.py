"""Lambda authorizers, as API Gateway runs them before the route's function.

- REST `TOKEN`: the identity header (Authorization by default, checked against
  `ValidationExpression`) as `authorizationToken`, with `methodArn`.
- REST `REQUEST` and HTTP APIs: the request's parts (HTTP APIs: payload 1.0 or 2.0, with
  `identitySource` and `routeArn`); a missing identity source is 401 without a call.
- The answer: an IAM policy (`principalId`, `policyDocument`, `context`) whose
  `execute-api:Invoke` statements must Allow the method ARN (a Deny anywhere wins), or with
  `EnableSimpleResponses` on an HTTP API, `{"isAuthorized": bool, "context": {...}}`.
- An authorizer that raises `Unauthorized` gives 401; any other failure 500; a denial 403. The
  context reaches the function in `requestContext.authorizer` (HTTP APIs with 2.0:
  `requestContext.authorizer.lambda`).

An answer is kept for `Identity.ReauthorizeEvery` seconds (300 by default, as SAM documents;
0 turns it off) per authorizer and identity, and judged against each request's ARN; a change
to the code forgets all of them.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from typing import Any

from lamina.gateway.http_types import HttpResponse
from lamina.gateway.responses import message_response
from lamina.gateway.usage_plans import StagePlans, UsagePlan

UNAUTHORIZED = message_response(401, "Unauthorized")


@dataclass(frozen=True)
class Authorizer:
    name: str
    function: str  # the authorizer function's logical id
    kind: str = "TOKEN"  # TOKEN or REQUEST (HTTP APIs: always REQUEST)
    http_api: bool = False
    header: str = "Authorization"  # TOKEN's identity header
    validation: str | None = None  # TOKEN's ValidationExpression
    identity_headers: tuple[str, ...] = ()
    identity_query: tuple[str, ...] = ()
    payload_version: str = "1.0"  # HTTP APIs: AuthorizerPayloadFormatVersion
    simple_responses: bool = False
    ttl_s: int = 300  # Identity.ReauthorizeEvery: how long an answer is kept (0: never)
    # ApiKeySourceType AUTHORIZER on a route with ApiKeyRequired: its answer's usageIdentifierKey
    # is the API key, checked and metered as an x-api-key header would be (usage_plans).
    key_source: KeyFromAuthorizer | None = None


@dataclass(frozen=True)
class KeyFromAuthorizer:
    keys: tuple[str, ...]  # the keys the route takes (empty: any)
    plan: UsagePlan | StagePlans | None  # the usage plans that meter them


class Denied(Exception):
    """The authorizer said no (or failed): the response to send instead of the function's."""

    def __init__(self, response: HttpResponse, why: str, logs: str = "") -> None:
        super().__init__(why)
        self.response = response
        self.logs = logs  # a Lambda authorizer's log lines (START ... REPORT), if it ran


def forbidden(http_api: bool, explicit: bool) -> HttpResponse:
    if http_api:
        return message_response(403, "Forbidden")
    message = "User is not authorized to access this resource"
    if explicit:
        message += " with an explicit deny"
    return HttpResponse(403, [("Content-Type", "application/json")], json.dumps(
        {"Message": message}).encode())  # fmt: skip


def identity_values(
    authorizer: Authorizer, headers: dict[str, str], query: dict[str, str]
) -> list[str] | None:
    """The identity sources' values, or None when one is missing (401 without a call)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if authorizer.kind == "TOKEN" and not authorizer.http_api:
        token = lowered.get(authorizer.header.lower())
        if not token:
            return None
        if authorizer.validation and not re.fullmatch(authorizer.validation, token):
            return None
        return [token]
    values: list[str] = []
    for name in authorizer.identity_headers:
        if not lowered.get(name.lower()):
            return None
        values.append(lowered[name.lower()])
    for name in authorizer.identity_query:
        if not query.get(name):
            return None
        values.append(query[name])
    return values


def _statements(policy: Any) -> list[dict[str, Any]]:
    if not isinstance(policy, dict):
        raise ValueError("policyDocument is not an object")
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        raise ValueError("policyDocument.Statement is missing")
    return [s for s in statements if isinstance(s, dict)]


def _listed(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def policy_allows(policy: Any, method_arn: str) -> tuple[bool, bool]:
    """(allowed, explicitly denied) for `method_arn` under an IAM policy document."""
    allowed = denied = False
    for statement in _statements(policy):
        actions = _listed(statement.get("Action", ""))
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions):
            continue
        resources = _listed(statement.get("Resource", ""))
        if not any(fnmatch.fnmatchcase(method_arn, r) for r in resources):
            continue
        effect = str(statement.get("Effect", "")).lower()
        denied = denied or effect == "deny"
        allowed = allowed or effect == "allow"
    return allowed and not denied, denied


def judge(authorizer: Authorizer, answer: Any, method_arn: str) -> dict[str, Any]:
    """The context for `requestContext.authorizer`, or Denied."""
    if not isinstance(answer, dict):
        raise Denied(message_response(500, "Internal Server Error"), "the answer is not an object")
    context = answer.get("context") or {}
    if not isinstance(context, dict):
        raise Denied(message_response(500, "Internal Server Error"), "context is not an object")
    if authorizer.http_api and authorizer.simple_responses:
        if answer.get("isAuthorized") is not True:
            raise Denied(forbidden(True, False), "isAuthorized is not true")
        return {"lambda": context} if authorizer.payload_version == "2.0" else dict(context)
    try:
        allowed, denied = policy_allows(answer.get("policyDocument"), method_arn)
    except ValueError as e:
        raise Denied(message_response(500, "Internal Server Error"), str(e)) from None
    if not allowed:
        raise Denied(forbidden(authorizer.http_api, denied), "the policy does not allow it")
    principal = answer.get("principalId")
    if authorizer.http_api and authorizer.payload_version == "2.0":
        return {"lambda": context}
    return {"principalId": principal, **context}


def method_arn(region: str, account: str, api_id: str, stage: str, method: str, path: str) -> str:
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}{path}"


def authorizer_event(
    authorizer: Authorizer, request_event: dict[str, Any], identity: list[str], arn: str
) -> dict[str, Any]:
    """The authorizer's event, from the route's own event (`request_event`)."""
    if authorizer.kind == "TOKEN" and not authorizer.http_api:
        return {"type": "TOKEN", "authorizationToken": identity[0], "methodArn": arn}
    event = {k: v for k, v in request_event.items() if k not in ("body", "isBase64Encoded")}
    event["type"] = "REQUEST"
    if authorizer.http_api and authorizer.payload_version == "2.0":
        event["routeArn"] = arn
        event["identitySource"] = identity
    else:
        event["methodArn"] = arn
        if authorizer.http_api:
            event["identitySource"] = ",".join(identity)
    return event
