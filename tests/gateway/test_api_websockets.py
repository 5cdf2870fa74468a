"""A WebSocket chat through lamina api: Python clients exchange messages through $connect,
sendmessage and $disconnect handlers that answer with PostToConnection over HTTPS (the local CA,
trusted through AWS_CA_BUNDLE), as the simple-websockets-chat-app sample does on AWS."""

from __future__ import annotations

import asyncio
import json
import re
import ssl
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import boto3
import pytest

from gateway.harness import ApiProcess

DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "lamina-test", "AWS_SECRET_ACCESS_KEY": "lamina-test"}


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    tmp = tmp_path_factory.mktemp("chat")

    def connections_file(root: Path) -> None:
        template = root / "template.yaml"
        text = template.read_text()
        template.write_text(
            text.replace("CONNECTIONS_FILE_PLACEHOLDER", str(tmp / "connections.json"))
        )

    api = ApiProcess("chat", tmp, prepare=connections_file, env=DUMMY_CREDENTIALS)
    try:
        yield api
    finally:
        api.stop()


def socket_url(api: ApiProcess) -> str:
    return api.url.replace("http://", "ws://") + "/Prod"


async def receive(socket: aiohttp.ClientWebSocketResponse) -> str:
    message = await asyncio.wait_for(socket.receive(), timeout=30)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    return str(message.data)


async def test_two_clients_chat_through_post_to_connection(chat: ApiProcess) -> None:
    banner = "\n".join(chat.banner)
    assert (
        "$connect → OnConnectFunction" in banner and "sendmessage → SendMessageFunction" in banner
    )
    async with aiohttp.ClientSession() as session:
        alice = await session.ws_connect(socket_url(chat))
        bob = await session.ws_connect(socket_url(chat))
        await alice.send_str(json.dumps({"action": "sendmessage", "data": "hello bob"}))
        assert await receive(alice) == "hello bob"
        assert await receive(bob) == "hello bob"

        await alice.send_str(json.dumps({"action": "dance"}))  # no such route, no $default
        refused = json.loads(await receive(alice))
        assert refused["message"] == "Forbidden" and refused["connectionId"]

        await alice.close()
        chat.wait_for_log("WS $disconnect")
        await bob.send_str(json.dumps({"action": "sendmessage", "data": "alone"}))
        assert await receive(bob) == "alone"
        await bob.close()
    log = chat.wait_for_log("WS $disconnect")
    assert "WS sendmessage" in log and "→ SendMessageFunction ok" in log


async def test_connect_can_refuse_and_the_management_api_answers(chat: ApiProcess) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(socket_url(chat) + "?token=no")
        assert refused.value.status == 403
        carol = await session.ws_connect(socket_url(chat))
        await carol.send_str(json.dumps({"action": "sendmessage", "data": "hi"}))
        assert await receive(carol) == "hi"
        connections = json.loads((chat.root.parent / "connections.json").read_text())
        client = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=chat.url + "/Prod",
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )
        got = await asyncio.to_thread(client.get_connection, ConnectionId=connections[0])
        assert got["Identity"]["SourceIp"] == "127.0.0.1"
        await asyncio.to_thread(client.delete_connection, ConnectionId=connections[0])
        closed = await asyncio.wait_for(carol.receive(), timeout=30)
        assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        with pytest.raises(client.exceptions.GoneException):
            await asyncio.to_thread(client.get_connection, ConnectionId="nobody000000=")


async def test_the_https_listener_answers_the_management_api_itself(chat: ApiProcess) -> None:
    """The listener handlers reach through `https://{domainName}`: boto3 trusting the local
    CA, a percent-encoded connection id, 410 for a gone one, 405 for another method."""
    found = re.search(r"@connections at (https://127\.0\.0\.1:\d+)/Prod", "\n".join(chat.banner))
    assert found, chat.banner
    endpoint = found.group(1)
    ca = chat.root / ".lamina" / "state" / "tls" / "lamina-local-ca.pem"
    known = chat.root.parent / "connections.json"
    before = set(json.loads(known.read_text())) if known.exists() else set()
    async with aiohttp.ClientSession() as session:
        dave = await session.ws_connect(socket_url(chat))
        await dave.send_str(json.dumps({"action": "sendmessage", "data": "hey"}))
        assert await receive(dave) == "hey"
        (dave_id,) = set(json.loads(known.read_text())) - before
        client = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=endpoint + "/Prod",
            region_name="us-east-1",
            verify=str(ca),
            **{k.lower(): v for k, v in DUMMY_CREDENTIALS.items()},
        )
        # The id ends in '=', which botocore sends as %3D.
        await asyncio.to_thread(client.post_to_connection, ConnectionId=dave_id, Data=b"x")
        assert await receive(dave) == "x"
        got = await asyncio.to_thread(client.get_connection, ConnectionId=dave_id)
        assert got["Identity"]["SourceIp"] == "127.0.0.1"
        with pytest.raises(client.exceptions.GoneException):
            await asyncio.to_thread(
                client.post_to_connection, ConnectionId="gone00000000=", Data=b"x"
            )
        tls = ssl.create_default_context(cafile=str(ca))
        async with session.put(f"{endpoint}/Prod/@connections/{dave_id}", ssl=tls) as put:
            assert put.status == 405 and put.headers["Allow"] == "DELETE,GET,POST"
        await dave.close()
