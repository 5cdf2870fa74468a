"""What every route shares: the emulator's parts (`Emulator`, reached as `request.app[EMULATOR]`),
the error-catching and validating decorator, bodies in and out, and paging. The body parameter
readers live in params.py (below the models that use them too) and are re-exported here."""

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

from lamina.emulator import validation as model_validation
from lamina.emulator.errors import LambdaError, too_large, validation
from lamina.emulator.event_invoke import EventDispatcher
from lamina.emulator.invocation_log import InvocationLog
from lamina.emulator.invoker import Invoker
from lamina.emulator.names import Arns
from lamina.emulator.params import boolean, integer, required_string, string, string_map
from lamina.emulator.store import FunctionStore
from lamina.runtime.pool import RuntimePool

if TYPE_CHECKING:
    from lamina.durable.service import DurableService
    from lamina.emulator.capacity_providers import CapacityProviders
    from lamina.emulator.code_signing import CodeSigningConfigs
    from lamina.emulator.event_sources import EventSourceMappings
    from lamina.emulator.layers import LayerVersions
    from lamina.emulator.vpc_config import VpcLookup

__all__ = ["boolean", "integer", "required_string", "string", "string_map"]  # from params.py

log = logging.getLogger("lamina.emulator")

# Lambda's largest CreateFunction/UpdateFunctionCode request (AWS's message names it): a 50 MB
# zip, base64 in a JSON body (69,905,067 bytes), and room for the rest of the request.
MAX_UPLOAD_REQUEST_BYTES = 70_167_211
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
    code_signing: CodeSigningConfigs | None = None
    capacity_providers: CapacityProviders | None = None
    # (function, qualifier) of provisioned concurrency configs whose environment is starting.
    warming: set[tuple[str, str]] = field(default_factory=set)
    durable: DurableService | None = None  # None without the durable extra
    # Opens `durable` on first use (durable_functions.durable_service); None once it has.
    durable_opener: Callable[[], None] | None = None
    layers: LayerVersions | None = None  # PublishLayerVersion and friends (layers.py)
    vpc: VpcLookup | None = None  # VpcConfig's EC2 checks (vpc_config.py)
    # Invokes are answered on the server's front (fast_invoke.py) before aiohttp sees them.
    front_invokes: bool = False


EMULATOR = web.AppKey("emulator", Emulator)

Route = Callable[[web.Request, Emulator], Awaitable[web.StreamResponse]]


# Validation errors of a request's URI and query members, kept for `read_json` to report with
# the body's (AWS reports all of a request's errors in one message).
PENDING_ERRORS = "lamina.validation_errors"


def api(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Validate the request's URI and query members against botocore's model (the operation
    is the route's name in CamelCase), then run the route; turn LambdaError (and any bug) into
    AWS's error responses."""
    operation = "".join(part.capitalize() for part in route.__name__.split("_"))

    @functools.wraps(route)
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            if not model_validation.is_loaded():
                await model_validation.preload()
            errors: list[str] = []
            model_validation.check_params(operation, request.match_info, request.query, errors)
            if errors:
                if request.can_read_body and model_validation.has_body(operation):
                    request[PENDING_ERRORS] = errors
                else:
                    model_validation.raise_for(errors)
            return await route(request, request.app[EMULATOR])
        except LambdaError as e:
            return e.response()
        except Exception as e:
            log.exception("%s %s failed", request.method, request.path)
            return LambdaError(
                "ServiceException", f"lamina serve failed: {type(e).__name__}: {e}"
            ).response()

    return handle


def validate_params(operation: str, request: web.Request) -> None:
    """Check a request's URI and query members against `operation` (for a route that serves
    two operations on one path)."""
    errors: list[str] = []
    model_validation.check_params(operation, request.match_info, request.query, errors)
    model_validation.raise_for(errors)


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
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError as e:
        raise LambdaError(
            "InvalidRequestContentException", f"Could not parse request body into json: {e}"
        ) from None
    if not isinstance(data, dict):
        raise LambdaError(
            "InvalidRequestContentException",
            "Could not parse request body into json: expected an object",
        )
    errors: list[str] = list(request.get(PENDING_ERRORS, ()))
    model_validation.check_body(operation, data, errors)
    model_validation.raise_for(errors)
    return data


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
