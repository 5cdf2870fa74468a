"""WebSocket APIs: the connection at `ws://host:port/<stage>` (aiohttp's WebSocket), each frame
to its route's function, and the `@connections` management API (PostToConnection, GetConnection,
DeleteConnection) at `/<stage>/@connections/<id>` (and `/@connections/<id>`, for SDK clients
given only the endpoint), answered through the plain HTTP layer (`in_front_of`). The events come
from websocket_apis."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

import orjson
from aiohttp import WSMsgType, web

from lamina.gateway.http_types import HttpRequest, HttpResponse
from lamina.gateway.websocket_apis import (
    Connection,
    WebSocketApi,
    new_connection_id,
    websocket_event,
)
from lamina.runtime.invocation import InvocationResult, new_request_id

log = logging.getLogger("lamina.gateway")

Invoke = Callable[[str, bytes, str], Awaitable[InvocationResult]]
Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_JSON = (("Content-Type", "application/json; charset=utf-8"),)
_TEXT = (("Content-Type", "text/plain; charset=utf-8"),)
GONE_BODY = b'{"message": null}'


class WebSocketGateway:
    def __init__(
        self,
        apis: list[WebSocketApi],
        invoke: Invoke,
        report: Callable[[str], None],
        account_id: str,
    ) -> None:
        self.apis = apis
        self._invoke = invoke
        self.report = report
        self.account_id = account_id
        self.domain_name = ""  # host:port of the TLS listener, set when it listens
        self.connections: dict[str, tuple[Connection, web.WebSocketResponse]] = {}
        # The sockets' paths (`/<stage>`): asked about on every request the listeners read.
        self._socket_paths = frozenset(f"/{api.stage}" for api in apis)

    def routes(self) -> list[web.RouteDef]:
        table = []
        for api in self.apis:
            table.append(web.get(f"/{api.stage}", self._socket(api)))
        return table

    async def _call(self, connection: Connection, route_key: str, event: dict[str, Any]) -> Any:
        function = connection.api.function_for(route_key)
        if function is None:
            return None
        started = time.perf_counter()
        result = await self._invoke(function, orjson.dumps(event), new_request_id())
        if result.logs:
            self.report(result.logs.rstrip("\n"))
        elapsed = (time.perf_counter() - started) * 1000
        outcome = "ok" if result.ok else f"error {(result.error or {}).get('errorType')}"
        self.report(
            f"WS {route_key} {connection.connection_id} → {function} {outcome} {elapsed:.1f} ms"
        )
        return result

    def _socket(self, api: WebSocketApi) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            peer = request.transport.get_extra_info("peername") if request.transport else None
            connection = Connection(
                new_connection_id(),
                api,
                self.domain_name or request.host,
                peer[0] if peer else "127.0.0.1",
                request.headers.get("User-Agent", ""),
            )
            headers = [
                (str(k), v) for k, v in request.headers.items()
            ]  # istr keys: orjson takes str
            connect = websocket_event(
                connection, "$connect", "CONNECT", headers=headers, query=request.query_string
            )
            result = await self._call(connection, "$connect", connect)
            if result is not None and not _accepted(result):
                return web.json_response({"message": "Forbidden"}, status=403)
            socket = web.WebSocketResponse()
            await socket.prepare(request)
            self.connections[connection.connection_id] = (connection, socket)
            # Each frame is its own invoke, started as it arrives: API Gateway doesn't wait for
            # one frame's function before invoking for the next (they may run at once, in
            # several environments, and finish in any order).
            in_flight: set[asyncio.Task[None]] = set()
            try:
                async for message in socket:
                    if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                        continue
                    body = message.data if message.type == WSMsgType.TEXT else message.data.decode()
                    connection.last_active_at = int(time.time() * 1000)
                    route_key = api.select_route(body)
                    if api.function_for(route_key) is None:
                        await socket.send_str(json.dumps({
                            "message": "Forbidden",
                            "connectionId": connection.connection_id,
                            "requestId": new_request_id(),
                        }))  # fmt: skip
                        continue
                    event = websocket_event(connection, route_key, "MESSAGE", body=body)
                    task = asyncio.ensure_future(self._frame(connection, route_key, event, socket))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
            finally:
                self.connections.pop(connection.connection_id, None)
                goodbye = websocket_event(connection, "$disconnect", "DISCONNECT", headers=headers)
                await self._call(connection, "$disconnect", goodbye)
                if in_flight:  # frames still running end as they would (their replies go nowhere)
                    await asyncio.gather(*in_flight, return_exceptions=True)
            return socket

        return handle

    async def _frame(
        self,
        connection: Connection,
        route_key: str,
        event: dict[str, Any],
        socket: web.WebSocketResponse,
    ) -> None:
        """One frame's invoke, and a two-way route's reply to the client if it is still there."""
        try:
            result = await self._call(connection, route_key, event)
        except Exception:  # one frame's failure is logged; the connection goes on
            log.exception("WS %s %s failed", route_key, connection.connection_id)
            return
        if route_key not in connection.api.two_way or result is None:
            return
        reply = route_response(result, connection.connection_id)
        if reply is None or socket.closed:
            return
        try:
            await socket.send_str(reply)
        except (ConnectionError, RuntimeError) as error:  # the client went away meanwhile
            log.debug("WS %s reply not sent: %s", connection.connection_id, error)

    def connections_id(self, path: str) -> str | None:
        """The connection id in an `@connections` path (`/<stage>/@connections/<id>` or
        `/@connections/<id>`, percent-decoded), or None for any other path."""
        head, marker, tail = path.partition("/@connections/")
        if not marker or not tail or "/" in tail or not self._socket_paths:
            return None
        if head and head not in self._socket_paths:
            return None
        return unquote(tail) if "%" in tail else tail

    def serves(self, path: str) -> bool:
        """Whether `path` is a WebSocket API's socket (`/<stage>`), which aiohttp serves: the
        plain HTTP layer hands those requests over (`@connections` calls it answers itself)."""
        return path in self._socket_paths

    def in_front_of(self, handle: Handler) -> Handler:
        """`handle`, with `@connections` calls answered here first."""

        async def answer(request: HttpRequest) -> HttpResponse:
            connection_id = self.connections_id(request.path)
            if connection_id is None:
                return await handle(request)
            return await self.manage(connection_id, request.method, request.body)

        return answer

    async def manage(self, connection_id: str, method: str, data: bytes) -> HttpResponse:
        """PostToConnection (POST), GetConnection (GET), DeleteConnection (DELETE), answered
        from the plain HTTP layer (lamina api's loop runs them between a function's frames, so
        aiohttp's request machinery is left out)."""
        if method not in ("POST", "GET", "DELETE"):
            return HttpResponse(
                405, [("Allow", "DELETE,GET,POST"), *_TEXT], b"405: Method Not Allowed"
            )
        found = self.connections.get(connection_id)
        if found is None or found[1].closed:
            return HttpResponse(410, [*_JSON, ("x-amzn-ErrorType", "GoneException")], GONE_BODY)
        connection, socket = found
        if method == "POST":
            try:
                await socket.send_str(data.decode("utf-8"))
            except UnicodeDecodeError:
                await socket.send_bytes(data)
            return HttpResponse(200)
        if method == "DELETE":
            await socket.close()
            return HttpResponse(204)
        body = {  # the wire names of botocore's model (lower camel case)
            "connectedAt": _iso(connection.connected_at),
            "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
            "lastActiveAt": _iso(connection.last_active_at),
        }
        return HttpResponse(200, [*_JSON], json.dumps(body).encode())

    async def close(self) -> None:
        for _, socket in list(self.connections.values()):
            await socket.close()


def _accepted(result: InvocationResult) -> bool:
    """$connect lets the client in unless the function failed or answered a non-2xx status."""
    if not result.ok:
        return False
    answer = result.json_payload()
    if isinstance(answer, dict) and "statusCode" in answer:
        try:
            return 200 <= int(answer["statusCode"]) < 300
        except (TypeError, ValueError):
            return False
    return True


def route_response(result: InvocationResult, connection_id: str) -> str | None:
    """What a two-way route sends back: a proxy answer's `body` (none without one), any other
    answer as its JSON; a failed function sends API Gateway's error message."""
    if not result.ok:
        return json.dumps({
            "message": "Internal server error",
            "connectionId": connection_id,
            "requestId": result.request_id,
        })  # fmt: skip
    answer = result.json_payload()
    if isinstance(answer, dict) and "statusCode" in answer:
        body = answer.get("body")
        return None if body is None else str(body)
    return answer if isinstance(answer, str) else json.dumps(answer)
