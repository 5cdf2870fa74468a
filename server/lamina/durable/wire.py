"""The durable execution API (botocore's 2025-12-01 operations) as HTTP, over the executor.

Parsing, validation and error shapes are the testing package's own wire layer (its reading of
the service's); this maps a request (method, raw path, query, body) to its handler and returns
(status, headers, body). The emulator's routes_durable.py and `lamina invoke`'s checkpoint
server put it on aiohttp; controls.py adds Pause, Resume and Delete. Not here: its
start-execution, health and metrics routes (not AWS's).
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from typing import Any, cast
from urllib.parse import parse_qs

from aws_durable_execution_sdk_python_testing.exceptions import (
    AwsApiException,
    UnknownRouteError,
)
from aws_durable_execution_sdk_python_testing.web import handlers as h
from aws_durable_execution_sdk_python_testing.web import routes as r
from aws_durable_execution_sdk_python_testing.web.models import HTTPRequest, HTTPResponse
from aws_durable_execution_sdk_python_testing.worker.checkpoint_tasks import CallableTask

from lamina.durable import controls, fast_json, timeout_pause
from lamina.durable.lanes import NOT_HERE, BorrowingRegistry

API_PREFIX = "/2025-12-01/"
CHAINED_INVOKE = b"CHAINED_INVOKE"
CACHED_ROUTES = 1024
Answer = tuple[int, dict[str, str], bytes]


class _OnTheLane:
    """The executor as the checkpoint handler sees it when it already runs on the execution's
    lane: its checkpoint is the lane-side half of Executor.checkpoint_execution."""

    def __init__(self, executor: Any) -> None:
        self._executor = executor

    def checkpoint_execution(
        self, arn: str, token: str, updates: Any = None, client_token: str | None = None
    ) -> Any:
        return self._executor._checkpoint_execution(arn, token, updates, client_token)


class DurableWire:
    def __init__(self, executor: Any) -> None:
        self.executor = executor
        self.router = r.Router()
        self.handlers: dict[type, Any] = {
            r.CheckpointDurableExecutionRoute: h.CheckpointDurableExecutionHandler(executor),
            r.GetDurableExecutionStateRoute: h.GetDurableExecutionStateHandler(executor),
            r.GetDurableExecutionRoute: h.GetDurableExecutionHandler(executor),
            r.GetDurableExecutionHistoryRoute: h.GetDurableExecutionHistoryHandler(executor),
            r.ListDurableExecutionsByFunctionRoute: h.ListDurableExecutionsByFunctionHandler(
                executor
            ),
            r.StopDurableExecutionRoute: h.StopDurableExecutionHandler(executor),
            r.CallbackSuccessRoute: h.SendDurableExecutionCallbackSuccessHandler(executor),
            r.CallbackFailureRoute: h.SendDurableExecutionCallbackFailureHandler(executor),
            r.CallbackHeartbeatRoute: h.SendDurableExecutionCallbackHeartbeatHandler(executor),
        }

        # An execution's checkpoints all have one path: parsed and validated once.
        self._checkpoint_routes: dict[str, r.CheckpointDurableExecutionRoute] = {}
        self._on_the_lane = h.CheckpointDurableExecutionHandler(
            _OnTheLane(executor)  # type: ignore[arg-type]
        )

    def checkpoint(self, method: str, raw_path: str, body: bytes) -> Answer | Future[Answer] | None:
        """A CheckpointDurableExecution, on the execution's lane (the runner serializes an
        execution's checkpoints there): in this thread when the lane is idle (lanes.py), else
        handed to the lane and answered from it; no thread of the caller's waits for the lane.
        None: not a checkpoint (use handle())."""
        if method != "POST" or not raw_path.endswith("/checkpoint"):
            return None
        route = self._checkpoint_routes.get(raw_path)
        if route is None:
            try:
                found = self.router.find_route(raw_path, method)
            except AwsApiException:
                return None
            if not isinstance(found, r.CheckpointDurableExecutionRoute):
                return None
            try:
                self.executor._validate_execution_arn(found.arn)
            except AwsApiException as e:
                return _shape(HTTPResponse.create_error_from_exception(e))
            if len(self._checkpoint_routes) >= CACHED_ROUTES:
                self._checkpoint_routes.clear()
            route = self._checkpoint_routes[raw_path] = found
        try:
            request = _checkpoint_request(body, route)
        except AwsApiException as e:  # a body that is not JSON
            return _shape(HTTPResponse.create_error_from_exception(e))
        task = CallableTask(lambda: _shape(self._on_the_lane.handle(route, request)))
        registry = self.executor._registry
        # A chained invoke's checkpoint asks the caller's event loop about its target and
        # waits for the answer: never in that loop's own thread.
        if isinstance(registry, BorrowingRegistry) and CHAINED_INVOKE not in body:
            answer = registry.run_here(route.arn, task)
            if answer is not NOT_HERE:
                return cast(Answer, answer)
        future: Future[Answer] = registry.submit(route.arn, task)
        return future

    def handle(self, method: str, raw_path: str, query: str, body: bytes) -> Answer:
        """One request (the path still percent-encoded: ARNs hold '/'), its response."""
        control = controls.match(method, raw_path)
        if control is not None:
            try:
                answer = controls.perform(self.executor, *control, body)
            except AwsApiException as e:
                return _shape(HTTPResponse.create_error_from_exception(e))
            return 202, {}, json.dumps(answer).encode()
        try:
            route = self.router.find_route(raw_path, method)
            handler = self.handlers.get(type(route))
            if handler is None:
                raise UnknownRouteError(method, raw_path)
        except AwsApiException as e:
            return _shape(HTTPResponse.create_error_from_exception(e))
        params = parse_qs(query)
        if isinstance(route, r.BytesPayloadRoute):
            request = HTTPRequest.from_raw_bytes(
                body_bytes=body, method=method, path=route, query_params=params
            )
        else:
            request = HTTPRequest.from_bytes(
                body_bytes=body, method=method, path=route, query_params=params
            )
        response = handler.handle(route, request)
        if isinstance(route, r.GetDurableExecutionRoute) and response.status_code == 200:
            arn = str(response.body.get("DurableExecutionArn", ""))
            status = str(response.body.get("Status", ""))
            response.body.update(timeout_pause.details(self.executor, arn, status))
        return _shape(response)


def _checkpoint_request(body: bytes, route: r.Route) -> HTTPRequest:
    """The request as the runner's HTTPRequest.from_bytes makes it, parsed by orjson; what
    that does not take goes to the runner's own parse (and its error)."""
    try:
        parsed = fast_json.loads(body) if body else {}
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return HTTPRequest.from_bytes(body_bytes=body, method="POST", path=route)
    return HTTPRequest(method="POST", path=route, headers={}, query_params={}, body=parsed)


def _shape(response: HTTPResponse) -> Answer:
    payload = _payload(response) if response.body else b""
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    error_code = response.body.get("Type") if response.status_code >= 400 else None
    if isinstance(error_code, str):
        # The testing runner names the error in the body only; botocore reads this header
        # (as Lamina's own errors set it), so boto3 raises the modelled exception.
        headers["x-amzn-ErrorType"] = error_code
    return response.status_code, headers, payload


def _payload(response: HTTPResponse) -> bytes:
    """The body as the runner's JSONSerializer writes it (datetimes as epoch seconds), by
    orjson; the runner's serializer's own error for what JSON cannot hold."""
    try:
        return fast_json.dumps(response.body)
    except (TypeError, ValueError):
        return response.body_to_bytes()
