"""Lamina's log records reach the client as window/logMessage from whatever thread says them:
a record said on a worker thread (boto3, pip, an emulator starting) before any on the event
loop used to be dropped from the editor's log (it went to stderr only)."""

from __future__ import annotations

from pathlib import Path

from lsp_harness import execute, wait_for
from lsprotocol import types
from ports import free_port
from sync.sync_harness import write_project


async def test_a_record_said_on_a_worker_thread_reaches_the_client(tmp_path: Path, start_client):
    project = write_project(tmp_path / "project", {"Hello": {}})
    endpoint = f"http://127.0.0.1:{free_port()}"
    client = await start_client(project, configuration={"emulator": {"endpoint": endpoint}})
    try:
        started = await execute(client, "lamina.startEmulator", limit=60)
        assert started["startedHere"] is True
        # EmulatorLauncher says this on the thread that starts `lamina serve`.
        said = await wait_for(
            lambda: [m for m in client.log_messages if m.message.startswith("started lamina serve")]
        )
    finally:
        await execute(client, "lamina.stopEmulator", limit=30)
    assert said[0].type == types.MessageType.Info
    assert endpoint.rsplit(":", 1)[1] in said[0].message
