"""Two-way WebSocket routes: with RouteResponseSelectionExpression and a $default
RouteResponse, the function's answer goes back to the client; one-way routes send nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import aiohttp
import pytest

from gateway.harness import ApiProcess


@pytest.fixture(scope="module")
def echo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("echo_ws", tmp_path_factory.mktemp("echo_ws"))
    yield api
    api.stop()


async def receive(socket: aiohttp.ClientWebSocketResponse[bool]) -> str:
    message = await asyncio.wait_for(socket.receive(), timeout=30)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    return str(message.data)


async def test_a_two_way_route_sends_the_answers_body_back(echo: ApiProcess) -> None:
    async with aiohttp.ClientSession() as session:
        socket = await session.ws_connect(echo.url.replace("http://", "ws://") + "/Prod")
        # A one-way route first: had it answered, its reply would arrive before the echo's.
        await socket.send_str(json.dumps({"action": "quiet", "n": 1}))
        await socket.send_str("hello")
        assert json.loads(await receive(socket)) == {"echo": "hello", "route": "$default"}
        await socket.send_str("plain text")
        assert json.loads(await receive(socket)) == {"echo": "plain text"}
        await socket.send_str("please fail")
        failed = json.loads(await receive(socket))
        assert failed["message"] == "Internal server error"
        assert failed["connectionId"] and failed["requestId"]
        await socket.close()
    echo.wait_for_log("WS quiet ")


async def test_a_frame_does_not_wait_for_the_function_of_the_frame_before_it(
    echo: ApiProcess,
) -> None:
    # API Gateway invokes for each frame as it comes: a frame whose function is still running
    # (6 s) holds back neither the next frame's invoke nor its answer, which a second
    # environment gives.
    async with aiohttp.ClientSession() as session:
        socket = await session.ws_connect(echo.url.replace("http://", "ws://") + "/Prod")
        await socket.send_str("hold on")
        await socket.send_str("next")
        assert json.loads(await receive(socket)) == {"echo": "next", "route": "$default"}
        assert json.loads(await receive(socket)) == {"echo": "hold on", "route": "$default"}
        await socket.close()
