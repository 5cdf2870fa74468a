"""A WebSocket handler whose boto3 client has no endpoint_url (as much code on AWS builds it):
AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI, which lamina api sets in the functions' environment,
points it at the HTTPS listener, whose local CA they trust through AWS_CA_BUNDLE."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp

from gateway.harness import ApiProcess

DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "lamina-test", "AWS_SECRET_ACCESS_KEY": "lamina-test"}


async def test_a_client_built_without_an_endpoint_reaches_the_connection(tmp_path: Path) -> None:
    def connections_file(root: Path) -> None:
        template = root / "template.yaml"
        text = template.read_text()
        template.write_text(text.replace("CONNECTIONS_FILE_PLACEHOLDER", str(tmp_path / "c.json")))

    chat = ApiProcess("chat", tmp_path, prepare=connections_file, env=DUMMY_CREDENTIALS)
    try:
        assert "shout → ShoutFunction" in "\n".join(chat.banner)
        async with aiohttp.ClientSession() as session:
            socket = await session.ws_connect(chat.url.replace("http://", "ws://") + "/Prod")
            await socket.send_str(json.dumps({"action": "shout", "data": "hello"}))
            message = await asyncio.wait_for(socket.receive(), timeout=30)
            assert message.type == aiohttp.WSMsgType.TEXT, (message, chat.stderr()[-2000:])
            assert message.data == "HELLO"
            await socket.close()
        assert "→ ShoutFunction ok" in chat.wait_for_log("→ ShoutFunction ok")
    finally:
        chat.stop()
