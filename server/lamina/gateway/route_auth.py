"""Who may call a route: its Lambda, JWT or `AWS_IAM` authorizer, run before the function.

Each kind puts what it learned where API Gateway puts it (`requestContext.authorizer`, and for
`AWS_IAM` `requestContext.identity`), or raises Denied with the answer to send instead. A
Lambda authorizer's answer is kept for `ReauthorizeEvery` seconds per identity (and judged
against each request's ARN); a code change forgets them all.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from lamina.gateway.authorizers import (
    UNAUTHORIZED,
    Authorizer,
    Denied,
    KeyFromAuthorizer,
    authorizer_event,
    identity_values,
    judge,
    method_arn,
)
from lamina.gateway.http_types import HttpRequest
from lamina.gateway.iam_auth import IamAuthorizer, SecretOf, verify
from lamina.gateway.jwt_authorizers import JwtAuthorizer, check_jwt
from lamina.gateway.responses import message_response
from lamina.gateway.routes import Route, api_key_id
from lamina.gateway.usage_plans import UsageMeter
from lamina.project.stack_context import default_region
from lamina.runtime.invocation import InvocationResult, new_request_id
from lamina.runtime.pool import CredentialsProvider

# (function logical id, event JSON bytes, request id) -> the invocation's result
Invoke = Callable[[str, bytes, str], Awaitable[InvocationResult]]


def _secret_in(env: Mapping[str, str], access_key: str) -> str | None:
    if access_key and access_key == env.get("AWS_ACCESS_KEY_ID"):
        return env.get("AWS_SECRET_ACCESS_KEY") or None
    return None


async def environment_secret(access_key: str) -> str | None:
    """The secret of the access key in this process's environment (AWS_ACCESS_KEY_ID)."""
    return _secret_in(os.environ, access_key)


def known_secrets(credentials: CredentialsProvider | None) -> SecretOf:
    """This process's environment's key, then the functions' own (a profile's, an assumed
    role's): the keys a developer's client here signs with."""

    async def secret_of(access_key: str) -> str | None:
        found = _secret_in(os.environ, access_key)
        if found is None and credentials is not None:
            found = _secret_in((await credentials())[0], access_key)
        return found

    return secret_of


def _usage_key(answer: Any) -> Any:
    return answer.get("usageIdentifierKey") if isinstance(answer, dict) else None


class RouteAuthorization:
    def __init__(
        self,
        invoke: Invoke,
        account_id: str,
        check_code: Callable[[str], None],
        secret_of: SecretOf = environment_secret,
    ) -> None:
        """`check_code(function)` notices a save before a kept authorizer answer is used;
        `secret_of(access key)` knows the secrets `AWS_IAM` routes check signatures with."""
        self._invoke = invoke
        self.account_id = account_id
        self.check_code = check_code
        self.secret_of = secret_of
        self._kept: dict[tuple[str, ...], tuple[float, Any]] = {}
        # Keys from authorizers' answers (ApiKeySourceType AUTHORIZER); x-api-key headers are
        # metered by the front's own meter.
        self.usage = UsageMeter()

    def forget(self) -> None:
        """Drop every kept authorizer answer (an authorizer's code changed)."""
        self._kept.clear()

    async def apply(
        self, route: Route, request: HttpRequest, event: dict[str, Any], request_id: str
    ) -> str:
        """Run the route's authorizer and fill in `event`'s requestContext, or raise Denied.
        Returns a Lambda authorizer's log lines ("" when none ran; Denied carries them too)."""
        authorizer = route.authorizer
        assert authorizer is not None
        context = event["requestContext"]
        if isinstance(authorizer, IamAuthorizer):
            caller = await verify(authorizer, request, self.secret_of, self.account_id)
            if "identity" in context:  # payload 1.0
                context["identity"].update(caller.identity())
            else:
                context["authorizer"] = {"iam": caller.iam()}
            return ""
        if isinstance(authorizer, JwtAuthorizer):
            claims = await asyncio.to_thread(check_jwt, authorizer, event.get("headers") or {})
            context["authorizer"] = {"jwt": claims} if route.payload_version == "2.0" else claims
            return ""
        context["authorizer"], logs, key = await self._lambda(authorizer, event)
        if authorizer.key_source is not None:
            self._metered(authorizer.key_source, key, context, logs)
        return logs

    def _metered(
        self, source: KeyFromAuthorizer, key: Any, context: dict[str, Any], logs: str
    ) -> None:
        """ApiKeySourceType AUTHORIZER: the answer's usageIdentifierKey checked and metered as
        API Gateway does an x-api-key header (403 Forbidden, the plans' 429s), or Denied."""
        if not isinstance(key, str) or not key or (source.keys and key not in source.keys):
            why = "its usageIdentifierKey is no API key of the route (ApiKeySourceType AUTHORIZER)"
            raise Denied(message_response(403, "Forbidden"), why, logs)
        refused = self.usage.admit(source.plan, key) if source.plan is not None else None
        if refused is not None:
            raise Denied(refused[0], f"usage plan: {refused[1]}", logs)
        context["identity"].update(apiKey=key, apiKeyId=api_key_id(key))

    async def _lambda(
        self, authorizer: Authorizer, event: dict[str, Any]
    ) -> tuple[dict[str, Any], str, Any]:
        """A Lambda authorizer's verdict, the context for the function's event (with the
        authorizer's logs, "" for a kept answer, and its usageIdentifierKey), or Denied (with
        the logs)."""
        query = event.get("queryStringParameters") or {}
        identity = identity_values(authorizer, event.get("headers") or {}, query)
        if identity is None:
            raise Denied(UNAUTHORIZED, "no identity source in the request")
        context = event["requestContext"]
        path = context.get("http", {}).get("path") or event.get("path") or "/"
        arn = method_arn(
            default_region(), self.account_id, context["apiId"], context["stage"],
            context.get("httpMethod") or context["http"]["method"], path,
        )  # fmt: skip
        key = (authorizer.name, authorizer.function, *identity)
        self.check_code(authorizer.function)  # a save forgets kept answers (on_change)
        kept = self._kept.get(key)
        if kept is not None and kept[0] > time.monotonic():
            return judge(authorizer, kept[1], arn), "", _usage_key(kept[1])
        payload = json.dumps(authorizer_event(authorizer, event, identity, arn)).encode()
        result = await self._invoke(authorizer.function, payload, new_request_id())
        if not result.ok:
            error = result.error or {}
            if error.get("errorMessage") == "Unauthorized":
                raise Denied(UNAUTHORIZED, "the authorizer raised Unauthorized", result.logs)
            raise Denied(
                message_response(500, "Internal Server Error"),
                f"the authorizer failed: {error.get('errorType')}: {error.get('errorMessage')}",
                result.logs,
            )
        try:
            answer = json.loads(result.payload)
        except ValueError:
            answer = None
        if authorizer.ttl_s > 0 and identity:
            self._kept[key] = (time.monotonic() + authorizer.ttl_s, answer)
        try:
            return judge(authorizer, answer, arn), result.logs, _usage_key(answer)
        except Denied as e:
            e.logs = result.logs
            raise
