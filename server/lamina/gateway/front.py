"""The gateway: HttpRequest → route → event → the function → HttpResponse.

What API Gateway does around the call lives here: unknown routes (REST: 403 Missing
Authentication Token; HTTP APIs: 404 Not Found), the 10 MB request limit (413), Lambda's 6 MB
invoke limit (API Gateway gets an invoke error and answers 502), the integration timeout (504),
and 502 for a handler error or a malformed result, with one log line that says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable
from typing import Any

import orjson

from lamina.gateway.authorizers import Denied
from lamina.gateway.cors import decorate, is_preflight, preflight_response
from lamina.gateway.function_urls import (
    AUTH_IAM,
    FORBIDDEN_BODY,
    FORBIDDEN_HEADERS,
    STREAM,
    FunctionUrl,
    signature_problem,
    split_function_url,
)
from lamina.gateway.http_types import HttpRequest, HttpResponse
from lamina.gateway.iam_auth import SecretOf
from lamina.gateway.integration_timeout import LateInvocations, timeout_ms, within
from lamina.gateway.nonproxy import call_non_proxy
from lamina.gateway.payload_v1 import v1_event
from lamina.gateway.payload_v2 import v2_event
from lamina.gateway.request_parts import matches_media_type
from lamina.gateway.request_record import RequestRecord
from lamina.gateway.responses import (
    STREAMED_HTTP,
    BadResult,
    message_response,
    streamed_response,
    v1_response,
    v2_response,
)
from lamina.gateway.rest_streaming import rest_whole_answer, start_rest_stream
from lamina.gateway.route_auth import Invoke, RouteAuthorization, environment_secret
from lamina.gateway.routes import ApiKind, Route, RouteMatch, RouteTable, api_key_id
from lamina.gateway.url_streaming import NoPrelude, StreamingInvoke, start_stream
from lamina.project.spec import DEFAULT_ACCOUNT
from lamina.runtime.invocation import InvocationResult
from lamina.runtime.throttling import FunctionThrottled

log = logging.getLogger("lamina.gateway")

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
MAX_INVOKE_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invoke limit (request and response)


def not_found(kind: ApiKind) -> HttpResponse:
    """No route: REST's 403 (when the port serves a REST API), else the HTTP API's 404."""
    if kind is ApiKind.REST:
        return message_response(
            403, "Missing Authentication Token", "MissingAuthenticationTokenException"
        )
    return message_response(404, "Not Found")


def internal_error(kind: ApiKind) -> HttpResponse:
    if kind is ApiKind.REST:
        return message_response(502, "Internal server error")
    return message_response(502, "Internal Server Error")


class Gateway:
    def __init__(
        self,
        table: RouteTable,
        invoke: Invoke,
        *,
        account_id: str = DEFAULT_ACCOUNT,
        on_request: Callable[[RequestRecord], None] | None = None,
        function_urls: Callable[[str], FunctionUrl | None] | None = None,
        check_code: Callable[[str], None] = lambda function: None,
        longest_run_s: Callable[[str], float | None] = lambda function: None,
        invoke_streaming: StreamingInvoke | None = None,
        iam_secret: SecretOf = environment_secret,
    ) -> None:
        """`function_urls` finds a Function URL by its url id (None: this front serves none);
        `check_code(function)` notices a save before a kept authorizer answer is used;
        `longest_run_s(function)` bounds one invoke (init plus the function's Timeout) when the
        runtime enforces it (None: unknown), so shorter-lived functions need no timer here;
        `iam_secret(access key)` is the secret AWS_IAM routes check signatures with."""
        self.longest_run_s = longest_run_s
        # RESPONSE_STREAM Function URLs pass streamed answers through with it (None: buffered).
        self.invoke_streaming = invoke_streaming
        self.table = table
        self.function_urls = function_urls
        self._invoke = invoke
        self.account_id = account_id
        self.on_request = on_request
        # A debugger holding a function pauses its timeout (see `paused`).
        self.paused: set[str] = set()
        self._late = LateInvocations()
        self.authorization = RouteAuthorization(invoke, account_id, check_code, iam_secret)
        # Usage plans' throttles and quotas, per API key: one meter, shared with the keys that
        # authorizers give (ApiKeySourceType AUTHORIZER), as a plan counts a key once on AWS.
        self.usage = self.authorization.usage

    async def handle(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        try:
            return await self._answer(request, started)
        except Exception as e:  # Lamina's own failure: API Gateway's 500, and it goes on serving
            return self._failed(request, e, started)

    def _failed(self, request: HttpRequest, error: Exception, started: float) -> HttpResponse:
        """API Gateway's answer to a failure of its own (500, JSON), a request line naming the
        route and the error, and the traceback at debug."""
        record = RequestRecord(request.method, request.path, 500, None, 0.0)
        kind, route = ApiKind.REST, "no route"
        with contextlib.suppress(Exception):  # matching may be what failed
            kind = ApiKind.REST if ApiKind.REST in self.table.kinds() else ApiKind.HTTP
            match = self.table.match(request.method, request.path)
            if match is not None:
                kind, record.function = match.route.api.kind, match.route.function
                route = f"route {match.route.route_key}"
        record.problem = f"{route}: Lamina failed: {type(error).__name__}: {error}"
        log.debug("%s %s failed", request.method, request.path, exc_info=error)
        response = message_response(
            500, "Internal server error" if kind is ApiKind.REST else "Internal Server Error"
        )
        id_header = "apigw-requestid" if kind is ApiKind.HTTP else "x-amzn-RequestId"
        response.headers.append((id_header, record.request_id))
        record.duration_ms = (time.perf_counter() - started) * 1000
        if self.on_request is not None:
            self.on_request(record)
        return response

    async def _answer(self, request: HttpRequest, started: float) -> HttpResponse:
        record = RequestRecord(request.method, request.path, 0, None, 0.0)
        url = split_function_url(request) if self.function_urls is not None else None
        match = None if url is not None else self.table.match(request.method, request.path)
        preflight = (
            self._preflight(request, match)
            if url is None and request.method == "OPTIONS"  # only OPTIONS can be one
            else None
        )
        # Which kind answers: HTTP APIs name their request id apigw-requestid.
        kind = ApiKind.FUNCTION_URL
        if preflight is not None:
            response, kind = preflight
        elif url is not None:
            response = await self._function_url(request, url[0], url[1], record)
        elif match is None:
            kind = ApiKind.REST if ApiKind.REST in self.table.kinds() else ApiKind.HTTP
            response = not_found(kind)
            record.problem = self.table.stage_hint(request.method, request.path)
        elif len(request.body) > MAX_REQUEST_BYTES:
            response = message_response(413, "Request Too Long")
            record.problem = f"the body is {len(request.body)} bytes; API Gateway takes 10 MB"
        else:
            record.function = match.route.function
            response = await self._call(request, match, record)
            if match.route.api.cors is not None:
                decorate(match.route.api.cors, request, response)
        if match is not None:
            kind = match.route.api.kind
        id_header = "apigw-requestid" if kind is ApiKind.HTTP else "x-amzn-RequestId"
        response.headers.append((id_header, record.request_id))
        record.status = response.status
        record.duration_ms = (time.perf_counter() - started) * 1000
        if self.on_request is not None:
            self.on_request(record)
        return response

    def _preflight(
        self, request: HttpRequest, match: RouteMatch | None
    ) -> tuple[HttpResponse, ApiKind] | None:
        """The gateway's answer to a CORS preflight (and the kind of API that gave it), unless a
        route of its own takes OPTIONS."""
        if not is_preflight(request) or (match is not None and match.route.method == "OPTIONS"):
            return None
        found = self.table.match_any_method(request.path)
        if found is None or found.route.api.cors is None:
            return None
        methods = self.table.methods_on(found.route)
        return preflight_response(found.route.api.cors, request, methods), found.route.api.kind

    def build_event(
        self,
        request: HttpRequest,
        match: RouteMatch,
        request_id: str,
        url: FunctionUrl | None = None,
        raw_path: str | None = None,
    ) -> dict[str, object]:
        epoch_ms = int(time.time() * 1000)
        if url is not None:
            return v2_event(
                request,
                match,
                request_id=request_id,
                epoch_ms=epoch_ms,
                account_id=self.account_id,
                raw_path=raw_path,
                api_id=url.url_id,
            )
        build = v1_event if match.route.payload_version == "1.0" else v2_event
        return build(
            request,
            match,
            request_id=request_id,
            epoch_ms=epoch_ms,
            account_id=self.account_id,
        )

    async def _function_url(
        self, request: HttpRequest, url_id: str, raw_path: str, record: RequestRecord
    ) -> HttpResponse:
        assert self.function_urls is not None
        url = self.function_urls(url_id)
        if url is None:
            record.problem = f"no Function URL with id {url_id}"
            return message_response(404, "Not Found")
        record.function = url.function
        if url.cors is not None and is_preflight(request):
            return preflight_response(url.cors, request)  # answered without the function
        if url.auth_type == AUTH_IAM:
            problem = signature_problem(request)
            if problem is not None:
                record.problem = problem
                return HttpResponse(403, [*FORBIDDEN_HEADERS], FORBIDDEN_BODY)
        if len(request.body) > MAX_INVOKE_BYTES:
            record.problem = f"the body is {len(request.body)} bytes; Function URLs take 6 MB"
            return message_response(413, "Request Entity Too Large")
        response = await self._call(request, RouteMatch(url.route()), record, url, raw_path)
        if url.cors is not None:
            decorate(url.cors, request, response)
        return response

    async def _call(
        self,
        request: HttpRequest,
        match: RouteMatch,
        record: RequestRecord,
        url: FunctionUrl | None = None,
        raw_path: str | None = None,
    ) -> HttpResponse:
        route = match.route
        request_id = record.request_id
        api_key = request.header("x-api-key")
        if route.api_key_required and not self._key_accepted(route, api_key):
            record.problem = "no valid x-api-key (the route has ApiKeyRequired)"
            return message_response(403, "Forbidden")
        if route.api_key_required and route.api.usage_plan is not None:
            refused = self.usage.admit(route.api.usage_plan, api_key or "")
            if refused is not None:
                record.problem = f"usage plan of {route.api.logical_id}: {refused[1]}"
                return refused[0]
        built = self.build_event(request, match, request_id, url, raw_path)
        if route.api_key_required:
            identity = built["requestContext"]["identity"]  # type: ignore[index]
            identity.update(apiKey=api_key, apiKeyId=api_key_id(api_key or ""))
        if route.authorizer is not None:
            try:  # the authorizer's logs come before the function's
                record.logs = await self.authorization.apply(route, request, built, request_id)
            except Denied as e:
                record.problem = f"authorizer {route.authorizer.name}: {e}"
                record.logs = e.logs
                return e.response
        if (rules := route.validation) and (bad := rules.refusal(request, match.path_parameters)):
            record.problem = f"request validation: {bad.problem}"  # after the authorizer
            return bad.response()
        if route.integration is not None:
            return await self._non_proxy(route, request, built, request_id, record)
        event = orjson.dumps(built)
        record.event = event
        if len(event) > MAX_INVOKE_BYTES:
            record.problem = (
                f"the event is {len(event)} bytes; Lambda's invoke limit is 6 MB "
                "(API Gateway answers 502)"
            )
            return internal_error(route.api.kind)
        try:
            streams = url.invoke_mode == STREAM if url is not None else route.stream
            if streams and self.invoke_streaming:
                ended = functools.partial(self._stream_ended, record)  # how a stream ended
                if url is not None:
                    started = await start_stream(
                        self.invoke_streaming, route.function, event, request_id, ended
                    )
                else:  # a REST API's STREAM integration, with API Gateway's limits
                    started = await start_rest_stream(
                        self.invoke_streaming, route, event, request_id, ended,
                        lambda: route.function in self.paused, self._late,
                    )  # fmt: skip
                if isinstance(started, HttpResponse):
                    record.problem = "streaming"
                    return started  # its body follows as the function writes it
                result = started  # it ended before a prelude: read whole
            elif url is not None:  # no gateway in between: only the function's own timeout
                result = await self._invoke(route.function, event, request_id)
            else:
                result = await self._invoke_in_time(route, event, request_id)
        except NoPrelude as e:
            record.problem = str(e)
            return internal_error(route.api.kind)
        except asyncio.TimeoutError:
            record.problem = f"no answer within the integration timeout ({timeout_ms(route)} ms)"
            return message_response(504, "Endpoint request timed out")
        except FunctionThrottled as e:  # Lambda's 429 is API Gateway's integration failure: 500
            record.problem = str(e)
            text = (
                "Internal server error"
                if route.api.kind is ApiKind.REST
                else "Internal Server Error"
            )
            return message_response(500, text)
        record.logs += result.logs
        if not result.ok:
            error = result.error or {}
            record.problem = (
                f"{error.get('errorType', 'error')}: {error.get('errorMessage', '')}".strip()
            )
            return internal_error(route.api.kind)
        if len(result.payload) > MAX_INVOKE_BYTES:
            record.problem = f"the result is {len(result.payload)} bytes; Lambda's limit is 6 MB"
            return internal_error(route.api.kind)
        try:
            if url is not None and result.content_type == STREAMED_HTTP:
                return streamed_response(result.payload)
            if route.stream and url is None:
                return rest_whole_answer(result.payload)
            if route.payload_version == "1.0":
                return v1_response(result.payload, lambda: self._binary_accepted(request, route))
            return v2_response(result.payload)
        except BadResult as e:
            record.problem = f"malformed Lambda proxy response: {e}"
            return internal_error(route.api.kind)

    async def _non_proxy(
        self,
        route: Route,
        request: HttpRequest,
        event: dict[str, Any],
        request_id: str,
        record: RequestRecord,
    ) -> HttpResponse:
        async def invoke(payload: bytes) -> InvocationResult:
            result = await self._invoke(route.function, payload, request_id)
            record.logs += result.logs
            return result

        assert route.integration is not None
        outcome = await call_non_proxy(route.integration, request, event, invoke, self._late.run)
        record.problem = outcome.problem
        return outcome.response

    @staticmethod
    def _key_accepted(route: Route, key: str | None) -> bool:
        keys = route.api.api_keys
        return bool(key) and (not keys or key in keys)

    def _stream_ended(
        self, record: RequestRecord, result: InvocationResult | None, how: str
    ) -> None:
        """A streamed answer's second line: how it ended, with the function's logs."""
        record.problem = how
        record.logs = result.logs if result is not None else ""
        if self.on_request is not None:
            self.on_request(record)

    def forget_authorizations(self) -> None:
        """Drop every kept authorizer answer (an authorizer's code changed)."""
        self.authorization.forget()

    async def _invoke_in_time(
        self, route: Route, event: bytes, request_id: str
    ) -> InvocationResult:
        longest = self.longest_run_s(route.function)
        limit = timeout_ms(route)
        pending = self._invoke(route.function, event, request_id)
        if route.function in self.paused or (longest is not None and longest * 1000 < limit):
            # The function's own Timeout (and init's limit) end it before API Gateway would
            # give up, or a debugger holds it: awaited inline, without a task and a timer (they
            # cost three event-loop turns a request). See docs/http.md.
            return await pending
        return await within(
            pending, limit / 1000, lambda: route.function in self.paused, self._late
        )

    @staticmethod
    def _binary_accepted(request: HttpRequest, route: Route) -> bool:
        if route.api.kind is not ApiKind.REST:
            return True
        accept = (request.header("accept") or "").split(",", 1)[0].split(";", 1)[0].strip()
        return matches_media_type(accept.lower(), route.api.binary_media_types)
