"""What every route shares: the emulator's parts (`Emulator`, reached as `request.app[EMULATOR]`),
the error-catching decorator, bodies in and out, and parameter checks with AWS's wording."""

from __future__ import annotations

import base64
import bisect
import functools
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from lamina.emulator.errors import LambdaError, too_large, validation
from lamina.emulator.event_invoke import EventDispatcher
from lamina.emulator.invocation_log import InvocationLog
from lamina.emulator.invoker import Invoker
from lamina.emulator.names import Arns
from lamina.emulator.store import FunctionStore
from lamina.runtime.pool import RuntimePool

if TYPE_CHECKING:
    from lamina.durable.service import DurableService
    from lamina.emulator.event_sources import EventSourceMappings

log = logging.getLogger("lamina.emulator")

# A 50 MB zip, base64 in a JSON body, is Lambda's largest request (69,905,067 bytes).
MAX_UPLOAD_REQUEST_BYTES = 69_905_067
MAX_REQUEST_BYTES = 6 * 1024 * 1024
# aiohttp's own cap (a bit above the largest request, so that ours answers first).
CLIENT_MAX_SIZE = MAX_UPLOAD_REQUEST_BYTES + 1024 * 1024


@dataclass
class Emulator:
    """The emulator's parts, shared by the routes."""

    store: FunctionStore
    pool: RuntimePool
    invoker: Invoker
    events: EventDispatcher
    arns: Arns
    update_delay_s: float = 0.0
    invocation_log: InvocationLog = field(default_factory=InvocationLog)
    mappings: EventSourceMappings | None = None
    durable: DurableService | None = None  # None without the durable extra


EMULATOR = web.AppKey("emulator", Emulator)

Route = Callable[[web.Request, Emulator], Awaitable[web.StreamResponse]]


def api(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Turn LambdaError (and any bug) into AWS's error responses."""

    @functools.wraps(route)
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            return await route(request, request.app[EMULATOR])
        except LambdaError as e:
            return e.response()
        except Exception as e:
            log.exception("%s %s failed", request.method, request.path)
            return LambdaError(
                "ServiceException", f"lamina serve failed: {type(e).__name__}: {e}"
            ).response()

    return handle


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        content_type="application/json",
        headers={"x-amzn-RequestId": str(uuid.uuid4())},
    )


def empty_response(status: int = 204) -> web.Response:
    return web.Response(status=status, headers={"x-amzn-RequestId": str(uuid.uuid4())})


async def read_body(request: web.Request, limit: int, operation: str) -> bytes:
    length = request.content_length
    if length is not None and length > limit:
        raise too_large(limit, operation)
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise too_large(limit, operation) from None
    if len(body) > limit:
        raise too_large(limit, operation)
    return body


async def read_json(
    request: web.Request, operation: str, limit: int = MAX_REQUEST_BYTES
) -> dict[str, Any]:
    body = await read_body(request, limit, operation)
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError as e:
        raise LambdaError(
            "InvalidRequestContentException", f"Could not parse request body into json: {e}"
        ) from None
    if not isinstance(data, dict):
        raise LambdaError(
            "InvalidRequestContentException",
            "Could not parse request body into json: expected an object",
        )
    return data


# --- parameters ---------------------------------------------------------------------------------


def _member(key: str) -> str:
    return key[:1].lower() + key[1:]


def string(
    body: dict[str, Any], key: str, *, required: bool = False, max_len: int | None = None
) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise validation("null", _member(key), "Member must not be null")
        return None
    if not isinstance(value, str):
        raise LambdaError(
            "InvalidRequestContentException", f"{key} must be a string, got {type(value).__name__}"
        )
    if max_len is not None and len(value) > max_len:
        raise validation(
            value, _member(key), f"Member must have length less than or equal to {max_len}"
        )
    return value


def required_string(body: dict[str, Any], key: str, max_len: int | None = None) -> str:
    value = string(body, key, required=True, max_len=max_len)
    assert value is not None
    return value


def integer(
    body: dict[str, Any], key: str, low: int | None = None, high: int | None = None
) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise LambdaError(
            "InvalidRequestContentException", f"{key} must be an integer, got {value!r}"
        )
    if low is not None and value < low:
        raise validation(
            value, _member(key), f"Member must have value greater than or equal to {low}"
        )
    if high is not None and value > high:
        raise validation(
            value, _member(key), f"Member must have value less than or equal to {high}"
        )
    return value


def boolean(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise LambdaError("InvalidRequestContentException", f"{key} must be a boolean")
    return value


def string_map(body: dict[str, Any], key: str) -> dict[str, str] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise LambdaError("InvalidRequestContentException", f"{key} must map strings to strings")
    return value


def max_items(request: web.Request) -> int:
    raw = request.query.get("MaxItems")
    if raw is None:
        return 50
    try:
        value = int(raw)
    except ValueError:
        raise validation(raw, "maxItems", "Member must be an integer") from None
    if not 1 <= value <= 10000:
        raise validation(
            value, "maxItems", "Member must have value between 1 and 10000 (inclusive)"
        )
    return value


def paginate(items: list[tuple[str, Any]], request: web.Request) -> tuple[list[Any], str | None]:
    """One page of `items` ((sort key, item) pairs, sorted) after the request's Marker, and the
    NextMarker (an opaque token: the base64 of the page's last key)."""
    limit = max_items(request)
    marker = request.query.get("Marker")
    start = 0
    if marker:
        try:
            after = base64.urlsafe_b64decode(marker.encode()).decode()
        except (ValueError, UnicodeDecodeError):
            raise LambdaError("InvalidParameterValueException", "Invalid Marker") from None
        start = bisect.bisect_right([key for key, _ in items], after)
    page = items[start : start + limit]
    next_marker = None
    if start + limit < len(items) and page:
        next_marker = base64.urlsafe_b64encode(page[-1][0].encode()).decode()
    return [item for _, item in page], next_marker
