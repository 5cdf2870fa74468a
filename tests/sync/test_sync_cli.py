"""`lamina sync` as a real process: one shot, --watch with a file write, errors, auto-start."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import IO, Any

import pytest
from emulator.harness import EmulatorProcess, clean_env, make_client
from ports import free_port

from sync.sync_harness import handler_source, invoke_json, write_project

DEADLINE_S = 60.0


def lamina(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lamina", *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=cwd,
        timeout=DEADLINE_S,
        check=False,
    )


def unique() -> str:
    return f"cli-{uuid.uuid4().hex[:10]}"


def test_one_shot_sync_deploys_and_prints_a_line_per_function(
    tmp_path: Path, sync_emulator: EmulatorProcess, emulator_lambda: Any
) -> None:
    name = unique()
    root = write_project(tmp_path / "p", {"Hello": {"FunctionName": name}})
    result = lamina("sync", "--endpoint-url", sync_emulator.endpoint, "--project-dir", str(root))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Hello (emulator): done ")
    assert "created" in result.stdout
    assert invoke_json(emulator_lambda, name)["answer"] == "v1"

    again = lamina("sync", "Hello", "--endpoint-url", sync_emulator.endpoint, cwd=root)
    assert again.returncode == 0 and "code unchanged" in again.stdout


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"Hello": {"FunctionName": unique()}})
    unknown = lamina("sync", "Nope", "--project-dir", str(root))
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("error: unknown function 'Nope' (known: Hello)")
    assert "Traceback" not in unknown.stderr

    endpoint = f"http://127.0.0.1:{free_port()}"
    down = lamina("sync", "--endpoint-url", endpoint, "--project-dir", str(root))
    assert down.returncode == 1
    assert down.stdout.startswith("Hello (emulator): failed - ")
    assert down.stdout.count("(emulator): failed") == 1
    assert down.stderr == ""  # the failure is shown once, not again by a logger
    assert "Traceback" not in down.stdout


def _lines(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def _wait_for_line(lines: queue.Queue[str], text: str, seen: list[str]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while True:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no line with {text!r}; saw {seen}") from None
        seen.append(line)
        if text in line:
            return


def test_sync_watch_deploys_a_file_written_on_disk(
    tmp_path: Path, sync_emulator: EmulatorProcess, emulator_lambda: Any
) -> None:
    name = unique()
    root = write_project(tmp_path / "p", {"Hello": {"FunctionName": name}})
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamina", "sync", "--watch"]
        + ["--endpoint-url", sync_emulator.endpoint, "--project-dir", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean_env(),
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        _wait_for_line(lines, "watching", seen)
        assert invoke_json(emulator_lambda, name)["answer"] == "v1"

        (root / "hello" / "app.py").write_text(handler_source("from-disk"))
        _wait_for_line(lines, "code updated", seen)
        assert invoke_json(emulator_lambda, name)["answer"] == "from-disk"

        # A template edit reloads the project; the new environment reaches the function.
        write_project(
            root,
            {"Hello": {"FunctionName": name, "Environment": {"Variables": {"GREETING": "yo"}}}},
        )
        _wait_for_line(lines, "configuration updated", seen)
        assert invoke_json(emulator_lambda, name)["greeting"] == "yo"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, seen


def test_two_syncs_started_at_once_share_one_auto_started_emulator(tmp_path: Path) -> None:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    names = {"First": unique(), "Second": unique()}
    root = write_project(
        tmp_path / "p",
        {lid: {"FunctionName": name} for lid, name in names.items()},
        pyproject=f"""
        [tool.lamina.emulator]
        endpoint = "{endpoint}"
        autoStart = true
        """,
    )
    record = root / ".lamina" / "state" / "emulator.json"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "lamina", "sync", logical_id],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        for logical_id in names
    ]
    try:
        outputs = [proc.communicate(timeout=DEADLINE_S) for proc in procs]
        for proc, (out, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, out + err
        log = (root / ".lamina" / "state" / "logs" / "emulator.log").read_text()
        assert log.count("--- ") == 1, log  # one `lamina serve` was started
        lam = make_client(endpoint)
        deployed = {f["FunctionName"] for f in lam.list_functions()["Functions"]}
        assert set(names.values()) <= deployed
        assert invoke_json(lam, names["Second"])["answer"] == "v1"
    finally:
        _stop_recorded_emulator(record)


def _stop_recorded_emulator(record: Path) -> None:
    """The one-shot CLI leaves the emulator it started running; stop it by its recorded pid."""
    import json

    if not record.exists():
        return
    pid = int(json.loads(record.read_text())["pid"])
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


@pytest.fixture(autouse=True)
def _no_endpoint_env(no_aws_endpoint_env: None) -> None:
    """The CLI processes get a clean environment; so does the test's own boto3."""
