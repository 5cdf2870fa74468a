"""The API from the editor: a Lambda authorizer's own log lines (START … REPORT, its prints, a
traceback) reach the editor's output before the request's line, as the function's do."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import requests
from lsp_harness import StartClient, execute, wait_for
from ports import free_port

APP = Path(__file__).resolve().parents[1] / "gateway" / "apps" / "auth"


async def test_a_failing_authorizers_logs_reach_the_editor(
    tmp_path: Path, start_client: StartClient
) -> None:
    root = tmp_path / "auth"
    shutil.copytree(APP, root)
    client = await start_client(root)
    started = await execute(client, "lamina.startApi", {"port": free_port()})
    response = await asyncio.to_thread(
        requests.get, started["url"] + "/token", headers={"Authorization": "broken"}, timeout=60
    )
    assert response.status_code == 500
    line = "[api] GET /token 500 → EchoFunction"
    await wait_for(lambda: any(line in m.message for m in client.log_messages))
    messages = [m.message for m in client.log_messages]
    request = next(i for i, m in enumerate(messages) if line in m)
    logs = "\n".join(messages[:request])
    assert "token_auth saw broken" in logs and "the authorizer has a bug" in logs
    assert logs.index("START RequestId") < logs.index("token_auth saw broken")
    await execute(client, "lamina.stopApi", {})
