"""The HTTP layer: aiohttp in, `HttpRequest` to the gateway, `HttpResponse` out. Nothing here
knows about events."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable

from aiohttp import web

from lamina.gateway.front import MAX_REQUEST_BYTES, Gateway
from lamina.gateway.http_types import HttpRequest, HttpResponse

# What answers a request (Gateway.handle, or a wrapper around it).
Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]

# Slightly above API Gateway's limit, so the gateway sees the body and answers 413 itself.
CLIENT_MAX_SIZE = MAX_REQUEST_BYTES + 1024 * 1024


def to_http_request(request: web.Request, body: bytes) -> HttpRequest:
    raw_path, _, query = request.raw_path.partition("?")
    peer = request.transport.get_extra_info("peername") if request.transport else None
    major, minor = request.version
    return HttpRequest(
        method=request.method,
        path=raw_path,
        query=query,
        headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.raw_headers],
        body=body,
        source_ip=peer[0] if peer else "127.0.0.1",
        protocol=f"HTTP/{major}.{minor}",
    )


async def send_stream(request: web.Request, answer: HttpResponse) -> web.StreamResponse:
    """The head, then each piece as it comes (HTTP/1.1 chunked)."""
    assert answer.stream is not None
    response = web.StreamResponse(status=answer.status)
    for name, value in answer.headers:
        response.headers.add(name, value)
    response.enable_chunked_encoding()
    await response.prepare(request)
    stream = answer.stream
    try:
        async for piece in stream:
            await response.write(piece)
    finally:  # a client gone away: the stream hears it now (see url_streaming), not at GC
        if isinstance(stream, AsyncGenerator):
            await stream.aclose()
    await response.write_eof()
    return response


def create_app(
    gateway: Gateway | Handler, extra_routes: list[web.RouteDef] | None = None
) -> web.Application:
    """The gateway's app; `extra_routes` (WebSocket APIs) come before its catch-all."""

    handle_request = gateway.handle if isinstance(gateway, Gateway) else gateway

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.read() if request.can_read_body else b""
        answer = await handle_request(to_http_request(request, body))
        if answer.stream is not None:
            return await send_stream(request, answer)
        response = web.Response(status=answer.status, body=answer.body)
        for name, value in answer.headers:
            response.headers.add(name, value)
        return response

    app = web.Application(client_max_size=CLIENT_MAX_SIZE)
    app.add_routes(extra_routes or [])
    app.router.add_route("*", "/{tail:.*}", handle)
    return app
