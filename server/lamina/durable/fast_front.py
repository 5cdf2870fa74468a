"""CheckpointDurableExecution answered before aiohttp sees it.

A durable function's SDK checkpoints every step; on `lamina serve` each checkpoint went
through aiohttp's request, routing, middleware and response machinery, which cost about as much
CPU as the checkpoint itself. The checkpoint route here is one of the routes of the server's
front (lamina/http_front.py): it answers the checkpoints it is sent itself (durable/wire.py, as
the aiohttp route would); the SDK's connections carry checkpoints only, and every other
client's connection is handed to aiohttp at its first other request.

Taken here only: `POST /2025-12-01/durable-executions/{arn}/checkpoint` with a Content-Length
(up to the route's limit), no query (and what the front takes: lamina/http_front.py). Anything
else, or what the wire does not take for a checkpoint, goes to aiohttp.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from aiohttp import web

from lamina.http_front import Answer, FrontRequest, FrontRoute, FrontSite

log = logging.getLogger("lamina.durable")

CHECKPOINT_PREFIX = b"POST /2025-12-01/durable-executions/"
MAX_BODY = 6 * 1024 * 1024  # the emulator's limit for durable requests
# The wire's checkpoint (method, raw path, body): an answer, one to come, or None (not taken).
Checkpoint = Callable[[str, str, bytes], "Answer | Future[Answer] | None"]


def checkpoint_route(checkpoint: Checkpoint) -> FrontRoute:
    def handle(request: FrontRequest) -> Answer | Future[Answer] | None:
        if request.query:
            return None
        return checkpoint(request.method, request.path, request.body)

    return FrontRoute(CHECKPOINT_PREFIX, handle, MAX_BODY, _service_error)


def _service_error(error: Exception) -> Answer:
    log.error("a durable checkpoint failed", exc_info=error)
    message = f"lamina serve failed: {type(error).__name__}: {error}"
    body = json.dumps({"Type": "ServiceException", "message": message}).encode()
    return 500, {"x-amzn-ErrorType": "ServiceException"}, body


def durable_front_site(
    runner: web.BaseRunner, sock: socket.socket, checkpoint: Checkpoint, **kw: Any
) -> FrontSite:
    """aiohttp's SockSite, with the checkpoint route in front."""
    return FrontSite(runner, sock, (checkpoint_route(checkpoint),), **kw)
