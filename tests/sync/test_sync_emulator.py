"""Sync to the emulator (`lamina serve` as a real process): save, and the next Invoke answers
with the new code; one deploy at a time; bursts coalesced; failures reported once."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from emulator.harness import EmulatorProcess, make_client, start_emulator
from ports import free_port

from lamina.deploy.sync_status import SyncState
from lamina.project import load_project
from sync.sync_harness import FAST_RETRY, handler_source, invoke_json, write_project


def unique(prefix: str = "sync") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def test_a_save_deploys_and_the_next_invoke_runs_the_new_code(
    tmp_path: Path, sync_emulator: EmulatorProcess, emulator_lambda: Any, make_manager: Any
) -> None:
    name = unique()
    root = write_project(
        tmp_path / "project",
        {
            "Hello": {
                "FunctionName": name,
                "Timeout": 7,
                "MemorySize": 256,
                "Environment": {"Variables": {"GREETING": "hello"}},
            }
        },
    )
    manager, recorder = make_manager(root, sync_emulator.endpoint)
    first = await manager.sync("Hello")
    assert first.state is SyncState.DONE, first.message
    assert first.message == "created"
    function = emulator_lambda.get_function(FunctionName=name)
    config = function["Configuration"]
    assert function["Tags"] == {
        "lamina:source": str(root / "hello"),
        "lamina:project": (root / ".lamina" / "state" / "project-id").read_text().strip(),
        "lamina:project-root": str(root),
    }
    assert (config["Handler"], config["Timeout"], config["MemorySize"]) == ("app.handler", 7, 256)
    assert config["CodeSha256"] == first.code_sha256
    assert invoke_json(emulator_lambda, name) == {"answer": "v1", "greeting": "hello"}

    (root / "hello" / "app.py").write_text(handler_source("v2"))
    assert manager.on_saved(str(root / "hello" / "app.py")) == ["Hello"]
    await manager.wait_idle()
    assert invoke_json(emulator_lambda, name) == {"answer": "v2", "greeting": "hello"}
    assert recorder.states("Hello")[-4:] == [
        SyncState.PACKAGING,
        SyncState.UPLOADING,
        SyncState.WAITING,
        SyncState.DONE,
    ]

    # Not part of the package: no deploy.
    assert manager.on_saved(str(root / "template.yaml")) == []
    (root / "hello" / "__pycache__").mkdir()
    assert manager.on_saved(str(root / "hello" / "__pycache__" / "app.cpython-311.pyc")) == []


async def test_unchanged_code_is_skipped_and_template_changes_reach_the_configuration(
    tmp_path: Path, sync_emulator: EmulatorProcess, emulator_lambda: Any, make_manager: Any
) -> None:
    name = unique()
    spec = {"FunctionName": name, "Environment": {"Variables": {"GREETING": "one"}}}
    root = write_project(tmp_path / "project", {"Hello": spec})
    manager, _ = make_manager(root, sync_emulator.endpoint)
    assert (await manager.sync("Hello")).state is SyncState.DONE
    before = emulator_lambda.get_function_configuration(FunctionName=name)

    again = await manager.sync(name)  # by function name too
    assert again.state is SyncState.DONE and again.message == "code unchanged"
    after = emulator_lambda.get_function_configuration(FunctionName=name)
    assert after["RevisionId"] == before["RevisionId"]

    spec["Environment"] = {"Variables": {"GREETING": "two"}}
    spec["Timeout"] = 9
    write_project(root, {"Hello": spec})
    assert manager.set_project(load_project(root)) == ["Hello"]
    await manager.wait_idle()
    status = manager.statuses[("emulator", "Hello")]
    assert status.message == "code unchanged, configuration updated"
    assert invoke_json(emulator_lambda, name) == {"answer": "v1", "greeting": "two"}
    assert emulator_lambda.get_function_configuration(FunctionName=name)["Timeout"] == 9


async def test_saves_during_a_deploy_give_exactly_one_follow_up_with_the_last_content(
    tmp_path: Path, make_manager: Any
) -> None:
    # Updates stay InProgress for a while, so saves land while a deploy is waiting.
    slow = start_emulator(tmp_path / "slow-data", "--update-delay", "300")
    try:
        name = unique()
        root = write_project(tmp_path / "project", {"Hello": {"FunctionName": name}})
        manager, recorder = make_manager(root, slow.endpoint)
        assert (await manager.sync("Hello")).state is SyncState.DONE
        session = manager.session("Hello")
        assert session.deploy_count == 1
        app = root / "hello" / "app.py"
        saves: list[str] = []

        def save_while_waiting(status: Any) -> None:
            if status.state is SyncState.WAITING and not saves:
                for answer in ("v3", "v4", "v5", "v6"):
                    app.write_text(handler_source(answer))
                    saves.append(answer)
                    manager.on_saved(str(app))

        recorder.hooks.append(save_while_waiting)
        app.write_text(handler_source("v2"))
        manager.on_saved(str(app))
        await manager.wait_idle()

        assert saves == ["v3", "v4", "v5", "v6"]
        assert session.deploy_count == 3  # the first sync, the save, one follow-up
        assert recorder.count(SyncState.QUEUED)["Hello"] == 1
        done = [s for s in recorder.finished("Hello") if s.state is SyncState.DONE]
        assert len(done) == 3 and done[-1].message == "code updated"
        assert invoke_json(make_client(slow.endpoint), name)["answer"] == "v6"
    finally:
        slow.stop()


async def test_a_burst_of_1000_file_writes_gives_one_deploy_per_function(
    tmp_path: Path, sync_emulator: EmulatorProcess, emulator_lambda: Any, make_manager: Any
) -> None:
    names = {logical_id: unique() for logical_id in ("Alpha", "Beta", "Quiet")}
    root = write_project(
        tmp_path / "project", {lid: {"FunctionName": name} for lid, name in names.items()}
    )
    manager, recorder = make_manager(root, sync_emulator.endpoint)
    assert all(s.state is SyncState.DONE for s in await manager.sync_all())
    await manager.start_watching()

    for i in range(1000):  # a checkout: many files, in two of the three functions
        folder = root / ("alpha" if i % 2 else "beta") / "data" / f"d{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i}.json").write_text(f'{{"i": {i}}}')
    (root / "alpha" / "app.py").write_text(handler_source("alpha-2"))
    (root / "beta" / "app.py").write_text(handler_source("beta-2"))

    await recorder.wait_for(
        lambda: (
            recorder.count(SyncState.DONE)["Alpha"] == 2
            and recorder.count(SyncState.DONE)["Beta"] == 2
        ),
        what="one deploy of Alpha and Beta",
    )
    await manager.wait_idle()
    counts = {lid: manager.session(lid).deploy_count for lid in names}
    assert counts == {"Alpha": 2, "Beta": 2, "Quiet": 1}
    assert invoke_json(emulator_lambda, names["Alpha"])["answer"] == "alpha-2"
    assert invoke_json(emulator_lambda, names["Beta"])["answer"] == "beta-2"
    assert (
        len(
            emulator_lambda.get_function(FunctionName=names["Alpha"])["Configuration"]["CodeSha256"]
        )
        == 44
    )


async def test_an_unreachable_emulator_is_reported_once_and_saves_work_once_it_is_back(
    tmp_path: Path, make_manager: Any
) -> None:
    port = free_port()
    name = unique()
    root = write_project(tmp_path / "project", {"Hello": {"FunctionName": name}})
    manager, recorder = make_manager(root, f"http://127.0.0.1:{port}", retry=FAST_RETRY)
    app = str(root / "hello" / "app.py")

    first = await manager.sync("Hello")
    assert first.state is SyncState.FAILED and first.notify
    assert f"127.0.0.1:{port}" in (first.message or "")
    assert "lamina serve" in (first.message or "")
    for _ in range(2):
        manager.on_saved(app)
        await manager.wait_idle()
    failures = [s for s in recorder.finished("Hello") if s.state is SyncState.FAILED]
    assert len(failures) == 3
    assert [s.notify for s in failures] == [True, False, False]  # told once

    server = start_emulator(tmp_path / "data", port=port)
    try:
        (root / "hello" / "app.py").write_text(handler_source("back"))
        manager.on_saved(app)
        await manager.wait_idle()
        recovered = recorder.finished("Hello")[-1]
        assert recovered.state is SyncState.DONE and recovered.notify
        assert "recovered" in (recovered.message or "")
        assert invoke_json(make_client(server.endpoint), name)["answer"] == "back"
    finally:
        server.stop()


async def test_auto_start_starts_an_emulator_and_close_stops_only_its_own(
    tmp_path: Path, sync_emulator: EmulatorProcess, make_manager: Any
) -> None:
    port = free_port()
    name = unique()
    root = write_project(tmp_path / "project", {"Hello": {"FunctionName": name}})
    endpoint = f"http://127.0.0.1:{port}"
    manager, _ = make_manager(root, endpoint, settings={"emulator_auto_start": True})
    status = await manager.sync("Hello")
    assert status.state is SyncState.DONE, status.message
    assert manager.emulator_started_here
    log = root / ".lamina" / "state" / "logs" / "emulator.log"
    assert "lamina serve" in log.read_text()
    assert (root / ".lamina" / ".gitignore").read_text() == "state/\n"
    assert invoke_json(make_client(endpoint), name)["answer"] == "v1"
    await manager.close()
    assert not manager.emulator_started_here
    with pytest.raises(Exception, match="Could not connect"):
        make_client(endpoint).list_functions()

    # An emulator someone else runs is used, and left running.
    other, _ = make_manager(root, sync_emulator.endpoint, settings={"emulator_auto_start": True})
    assert (await other.sync("Hello")).state is SyncState.DONE
    assert not other.emulator_started_here
    await other.close()
    assert make_client(sync_emulator.endpoint).list_functions()["Functions"]


async def test_environment_values_never_reach_messages_or_logs(
    tmp_path: Path,
    sync_emulator: EmulatorProcess,
    make_manager: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "hunter2-" * 600  # over Lambda's 4 KB: the service quotes the variables back
    root = write_project(
        tmp_path / "project",
        {
            "Hello": {
                "FunctionName": unique(),
                "Environment": {"Variables": {"DB_PASSWORD": secret}},
            }
        },
    )
    manager, recorder = make_manager(root, sync_emulator.endpoint)
    with caplog.at_level("DEBUG", logger="lamina"):
        status = await manager.sync("Hello")
    assert status.state is SyncState.FAILED
    assert "4KB" in (status.message or "")
    assert "hunter2" not in repr(recorder.statuses)
    assert "hunter2" not in caplog.text
