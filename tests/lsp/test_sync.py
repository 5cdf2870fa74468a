"""Save-to-deploy through the language server, against a real `lamina serve` (a process on a free
port with its own data dir): lamina.sync creates and updates the function, a didSave deploys
when auto sync is on and not when it is off, syncStatus and $/progress report each deploy, the
aws target refuses an unmapped function with one clear message, and a failure and its recovery
are each shown once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from emulator.harness import EmulatorProcess, make_client, start_emulator
from lsp_harness import execute, save_document, wait_for
from ports import free_port
from sync.sync_harness import handler_source, write_project


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    server = start_emulator(tmp_path / "emulator-data")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project", {"Hello": {"Environment": {"Variables": {}}}})


def invoke(endpoint: str, name: str = "Hello") -> Any:
    response = make_client(endpoint).invoke(FunctionName=name, Payload=b"{}")
    return json.loads(response["Payload"].read())


async def answer(endpoint: str) -> Any:
    return (await asyncio.to_thread(invoke, endpoint))["answer"]


async def eventually_answers(endpoint: str, wanted: str, timeout: float = 20.0) -> None:
    """Poll Invoke (bounded) until the new code answers; before the first deploy the function
    may not exist yet."""
    deadline = asyncio.get_running_loop().time() + timeout
    got: Any = None
    while True:
        try:
            got = await answer(endpoint)
        except Exception as e:  # ResourceNotFoundException until it is created
            got = e
        if got == wanted:
            return
        assert asyncio.get_running_loop().time() < deadline, f"still {got!r}, not {wanted!r}"
        await asyncio.sleep(0.1)


def edit(root: Path, client: Any, text: str) -> None:
    path = root / "hello" / "app.py"
    path.write_text(handler_source(text))
    save_document(client, path)


def states(client: Any) -> list[str]:
    return [s.state for s in client.sync_statuses if s.function == "Hello"]


async def test_sync_then_save_to_deploy(project, emulator, start_client):
    client = await start_client(
        project, configuration={"emulator": {"endpoint": emulator.endpoint}}
    )
    first = await execute(client, "lamina.sync", {"function": "Hello"})
    assert first["ok"] is True and first["state"] == "done" and first["target"] == "emulator"
    assert first["message"] == "created" and first["codeSha256"]
    assert await answer(emulator.endpoint) == "v1"
    assert states(client)[-1] == "done" and "packaging" in states(client)
    assert any(
        getattr(report, "title", "") == "Syncing Hello to emulator"
        for reports in client.progress_reports.values()
        for report in reports
    )

    edit(project, client, "v2")  # auto sync is on by default for the emulator
    await eventually_answers(emulator.endpoint, "v2")
    done = await wait_for(
        lambda: [s for s in client.sync_statuses if s.state == "done"][1:] or None
    )
    assert done[-1].codeSha256 and done[-1].codeSha256 != first["codeSha256"]

    toggled = await execute(client, "lamina.toggleAutoSync", {"enabled": False})
    assert toggled == {"enabled": False, "target": "emulator"}
    seen = len(client.sync_statuses)
    edit(project, client, "v3")
    await asyncio.sleep(0.5)
    assert await answer(emulator.endpoint) == "v2"
    assert len(client.sync_statuses) == seen

    results = await execute(client, "lamina.syncAll", {})
    assert [(r["function"], r["ok"]) for r in results] == [("Hello", True)]
    assert await answer(emulator.endpoint) == "v3"
    assert not [m for m in client.messages if "failed" in m.message]


async def test_a_save_deploys_without_any_command(project, emulator, start_client):
    client = await start_client(
        project, configuration={"emulator": {"endpoint": emulator.endpoint}}
    )
    edit(project, client, "saved")
    await eventually_answers(emulator.endpoint, "saved")


async def test_no_emulator_no_noise_on_save(project, start_client):
    dead = f"http://127.0.0.1:{free_port()}"
    client = await start_client(project, configuration={"emulator": {"endpoint": dead}})
    await execute(client, "lamina.listFunctions", {})
    edit(project, client, "v2")
    await asyncio.sleep(0.5)
    assert client.sync_statuses == [] and client.messages == []


async def test_aws_target_refuses_an_unmapped_function(project, start_client):
    dead = f"http://127.0.0.1:{free_port()}"
    client = await start_client(project, env={"AWS_ENDPOINT_URL": dead})
    target = await execute(client, "lamina.setTarget", {"target": "aws"})
    assert target == {"target": "aws", "enabled": False}  # never deploys to AWS on save
    for _ in range(2):
        result = await execute(client, "lamina.sync", {"function": "Hello"})
        assert result["ok"] is False and result["target"] == "aws"
        assert "not mapped" in result["message"]
    failures = [m.message for m in client.messages if "not mapped" in m.message]
    assert len(failures) == 1, failures
    edit(project, client, "v2")
    await asyncio.sleep(0.3)
    assert [s.state for s in client.sync_statuses].count("failed") == 2  # no save deploy


async def test_a_failure_and_its_recovery_are_shown_once(project, tmp_path, start_client):
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    client = await start_client(project, configuration={"emulator": {"endpoint": endpoint}})
    for _ in range(2):
        result = await execute(client, "lamina.sync", {"function": "Hello"})
        assert result["ok"] is False
    failures = [m.message for m in client.messages if "sync failed" in m.message]
    assert len(failures) == 1, failures
    server = await asyncio.to_thread(start_emulator, tmp_path / "late-data", port=port)
    try:
        for _ in range(2):
            result = await execute(client, "lamina.sync", {"function": "Hello"})
            assert result["ok"] is True, result
        recovered = [m.message for m in client.messages if "works again" in m.message]
        assert len(recovered) == 1, recovered
        assert await answer(endpoint) == "v1"
    finally:
        server.stop()


async def test_bad_arguments(project, start_client):
    from pygls.exceptions import JsonRpcException

    client = await start_client(project)
    with pytest.raises(JsonRpcException) as caught:
        await execute(client, "lamina.setTarget", {"target": "mars"})
    assert "mars" in caught.value.message
    with pytest.raises(JsonRpcException) as caught:
        await execute(client, "lamina.sync", {"function": "Nope"})
    assert "Nope" in caught.value.message


async def test_a_package_over_the_limit_gets_a_diagnostic(project, start_client):
    dead = f"http://127.0.0.1:{free_port()}"
    big = project / "hello" / "big.bin"
    with big.open("wb") as f:  # sparse: 260 MB by its size, nothing on disk
        f.truncate(260 * 1024 * 1024)
    client = await start_client(project, configuration={"emulator": {"endpoint": dead}})
    result = await execute(client, "lamina.sync", {"function": "Hello"})
    assert result["ok"] is False and "250" in result["message"]
    template = (project / "template.yaml").as_uri()
    found = await wait_for(
        lambda: [d for d in client.diagnostics.get(template, []) if d.code == "package-too-large"]
    )
    assert "big.bin" in found[0].message
    big.unlink()
    await execute(client, "lamina.sync", {"function": "Hello"})
    await wait_for(lambda: not client.diagnostics.get(template))


async def test_the_chosen_target_survives_other_setting_changes(project, start_client):
    from lsprotocol import types

    dead = f"http://127.0.0.1:{free_port()}"
    client = await start_client(
        project, configuration={"defaultEvent": "a"}, env={"AWS_ENDPOINT_URL": dead}
    )
    await execute(client, "lamina.setTarget", {"target": "aws"})
    client.set_configuration({"defaultEvent": "b"}, section="lamina")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.3)
    result = await execute(client, "lamina.sync", {"function": "Hello"})
    assert result["target"] == "aws" and "not mapped" in result["message"]
