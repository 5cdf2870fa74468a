"""A minimal CloudWatch Logs on the emulator's port: FilterLogEvents and DescribeLogGroups over
each function's output (function_logs.py), in the Logs API's JSON 1.1 protocol
(`X-Amz-Target: Logs_20140328.<Operation>`), so a boto3 `logs` client with the emulator as its
endpoint reads `/aws/lambda/<function>` as it would on AWS. Other Logs operations get one
clear error; a POST / that is no Logs call is answered 404, as any unknown path."""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiohttp import web

from lamina.emulator.api import EMULATOR
from lamina.emulator.function_logs import MAX_PAGE
from lamina.emulator.unsupported import unsupported

routes = web.RouteTableDef()
TARGET_PREFIX = "Logs_20140328."
GROUP_PREFIX = "/aws/lambda/"


def _answer(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        content_type="application/x-amz-json-1.1",
        headers={"x-amzn-RequestId": str(uuid.uuid4())},
    )


def _error(code: str, message: str) -> web.Response:
    return _answer({"__type": code, "message": message}, status=400)


def _int(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} must be a non-negative integer")
    return value


def _filter_log_events(request: web.Request, body: dict[str, Any]) -> web.Response:
    group = body.get("logGroupName") or body.get("logGroupIdentifier")
    if not isinstance(group, str) or not group:
        return _error("InvalidParameterException", "logGroupName is required")
    if not group.startswith(GROUP_PREFIX):
        return _error(
            "ResourceNotFoundException",
            f"The specified log group does not exist: {group} "
            f"(Lamina keeps only {GROUP_PREFIX}<function>)",
        )
    function = group[len(GROUP_PREFIX) :]
    logs = request.app[EMULATOR].invocation_log.function_logs
    try:
        start, end = _int(body, "startTime"), _int(body, "endTime")
        limit = _int(body, "limit") or MAX_PAGE
        token = body.get("nextToken")
        after = int(token) if token else 0
        events, more = logs.filter(
            function,
            start_time=start,
            end_time=end,
            pattern=str(body.get("filterPattern") or ""),
            after=after,
            limit=min(limit, MAX_PAGE),
        )
    except ValueError as e:
        return _error("InvalidParameterException", str(e))
    answer: dict[str, Any] = {"events": [event.shape() for event in events]}
    if more is not None:
        answer["nextToken"] = str(more)
    return _answer(answer)


def _describe_log_groups(request: web.Request, body: dict[str, Any]) -> web.Response:
    prefix = str(body.get("logGroupNamePrefix") or "")
    names = request.app[EMULATOR].invocation_log.function_logs.group_names()
    return _answer(
        {
            "logGroups": [
                {"logGroupName": name, "storedBytes": 0, "logGroupClass": "STANDARD"}
                for name in names
                if name.startswith(prefix)
            ]
        }
    )


OPERATIONS = {
    "FilterLogEvents": _filter_log_events,
    "DescribeLogGroups": _describe_log_groups,
}


@routes.post("/")
async def logs_operation(request: web.Request) -> web.StreamResponse:
    target = request.headers.get("X-Amz-Target", "")
    if not target.startswith(TARGET_PREFIX):
        # Not a Logs call: answered as any path the emulator does not serve (404).
        return await unsupported(request)
    name = target[len(TARGET_PREFIX) :]
    operation = OPERATIONS.get(name)
    if operation is None:
        return _error(
            "UnknownOperationException",
            f"CloudWatch Logs {name} is not emulated by Lamina (only {', '.join(OPERATIONS)})",
        )
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError:
        return _error("SerializationException", "the request body is not JSON")
    if not isinstance(body, dict):
        return _error("SerializationException", "the request body must be a JSON object")
    return operation(request, body)
