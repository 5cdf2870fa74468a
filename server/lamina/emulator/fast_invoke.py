"""Invoke on the server's front (lamina/http_front.py), before aiohttp sees it.

A warm Invoke through aiohttp cost the serve process more CPU in aiohttp's request, routing,
middleware and response machinery than in the invoke itself. The front takes
`POST /2015-03-31/functions/{FunctionName}/invocations` and answers it with the same checks
and answers as the aiohttp route (routes_invoke.py: both call its `check_types`,
`checked_call`, `dry_run`, `queue_event` and `run_sync`).

Declined (the connection goes to aiohttp, whose route answers): a URI or query member the
model refuses (the route words the error with the body's), a query other than one Qualifier,
a name that is still percent-encoded once decoded or holds a "/", a payload over the
invocation type's limit (aiohttp's 413), a durable function's start of an execution, and
whatever the front itself does not take (chunked bodies, `Expect`, Function URL hosts...).

A connection that carried another request first (a deploy, then invokes on one SDK client's
connection) is aiohttp's for good: the route then answers its invoke with `Connection: close`,
and the client's next invoke comes on a new connection, the front's.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Coroutine
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from lamina.emulator import validation as model_validation
from lamina.emulator.api import Emulator
from lamina.emulator.durable_functions import (
    HANDLER_INVOKE_HEADER,
    checkpoint_routes,
    durable_config,
)
from lamina.emulator.errors import LambdaError
from lamina.emulator.routes_functions import PREFIX
from lamina.emulator.routes_invoke import (
    INVOCATION_TYPES,
    Answer,
    check_types,
    checked_call,
    dry_run,
    payload_limit,
    queue_event,
    run_sync,
)
from lamina.emulator.tenancy import TENANT_HEADER
from lamina.http_front import FrontRequest, FrontRoute, FrontSite

log = logging.getLogger("lamina.emulator")

PATH_PREFIX = PREFIX + "/"
SUFFIX = "/invocations"
MAX_BODY = 6 * 1024 * 1024  # the larger (RequestResponse's) payload limit
_DEX_HEADER = HANDLER_INVOKE_HEADER.lower()
_TENANT_HEADER = TENANT_HEADER.lower()
_QUALIFIER = "Qualifier="
_MAX_CHECKED = 4096


def serving_site(
    emu: Emulator, runner: web.BaseRunner, sock: socket.socket, **kw: Any
) -> FrontSite:
    """The site for the emulator's socket: Invoke, and with the durable extra checkpoints,
    answered before aiohttp sees them."""
    emu.front_invokes = True
    return FrontSite(runner, sock, (invoke_route(emu), *checkpoint_routes(emu)), **kw)


def invoke_route(emu: Emulator) -> FrontRoute:
    checked: set[tuple[str, str | None]] = set()  # (name, qualifier) the model accepts

    def params_ok(raw_name: str, qualifier: str | None) -> bool:
        key = (raw_name, qualifier)
        if key in checked:
            return True
        if not model_validation.is_loaded():
            return False  # the route loads it first
        errors: list[str] = []
        query = {} if qualifier is None else {"Qualifier": qualifier}
        model_validation.check_params("Invoke", {"FunctionName": raw_name}, query, errors)
        if errors:
            return False
        if len(checked) >= _MAX_CHECKED:
            checked.clear()
        checked.add(key)
        return True

    def handle(request: FrontRequest) -> Answer | Coroutine[Any, Any, Answer] | None:
        path = request.path
        if not path.endswith(SUFFIX):
            return None
        try:
            raw_name = _decoded(path[len(PATH_PREFIX) : -len(SUFFIX)])
            qualifier = _qualifier(request.query)
        except UnicodeDecodeError:
            return None
        if not raw_name or "/" in raw_name or "%" in raw_name:
            return None
        if qualifier == "" or not params_ok(raw_name, qualifier):
            return None
        headers = request.headers
        try:
            types = check_types(
                headers.get("x-amz-invocation-type"),
                headers.get("x-amz-log-type"),
                INVOCATION_TYPES,
            )
            if len(request.body) > payload_limit(types[0]):
                return None
            call = checked_call(
                emu,
                types,
                request.body,
                raw_name,
                qualifier,
                headers.get("x-amz-client-context"),
                headers.get(_TENANT_HEADER),
            )
        except LambdaError as e:
            return e.answer()
        if call.invocation_type == "DryRun":
            return dry_run()
        if durable_config(call.target.config) is not None and _DEX_HEADER not in headers:
            return None  # an execution starts: the route's
        if call.invocation_type == "Event":
            return queue_event(emu, call)
        return run_sync(emu, call)

    return FrontRoute(b"POST " + PATH_PREFIX.encode(), handle, MAX_BODY, _failed)


def _qualifier(query: str) -> str | None:
    """The Qualifier of a query that is that alone ("" for anything else)."""
    if not query:
        return None
    if not query.startswith(_QUALIFIER) or "&" in query or "+" in query:
        return ""
    value = _decoded(query[len(_QUALIFIER) :])
    return "" if "%" in value else value


def _decoded(text: str) -> str:
    return unquote(text, errors="strict") if "%" in text else text


def _failed(error: Exception) -> Answer:
    """As the route's `api` answers an error: LambdaError's own; a bug's ServiceException."""
    if isinstance(error, LambdaError):
        return error.answer()
    log.error("POST Invoke failed", exc_info=error)
    return LambdaError(
        "ServiceException", f"lamina serve failed: {type(error).__name__}: {error}"
    ).answer()
