"""No process outlives Lamina: SIGTERM, SIGHUP or SIGINT to `lamina invoke` (plain and --debug), or
SIGKILL, ends the environment, the handler's `setsid` child and debugpy. The process table is read
afterwards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from process_table import HANDLER, listeners_on, wait_gone


def start_invoke(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], dict[str, int]]:
    (tmp_path / "app.py").write_text(textwrap.dedent(HANDLER))
    pids = tmp_path / "pids.json"
    (tmp_path / "event.json").write_text(json.dumps({"pids": str(pids)}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # Without the sandbox: the handler reports host pids into its (then writable) code folder,
    # and this is the set-up where only process_tree/process_limits stand between us and orphans.
    env["LAMINA_SANDBOX"] = "0"
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamina", "invoke", "app.py:handler", "--event", "event.json",
         "--timeout", "120", *extra],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    try:
        while not pids.exists() or not pids.read_text():
            assert proc.poll() is None, proc.communicate()[1].decode()
            assert time.monotonic() < deadline, "the handler never started"
            time.sleep(0.05)
    except BaseException:
        proc.terminate()  # ends its environment too (the behaviour under test)
        proc.communicate(timeout=30)
        raise
    time.sleep(0.1)  # the file is written in one go, but give the writer a moment to close it
    return proc, json.loads(pids.read_text())


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGKILL], ids=lambda s: s.name
)
def test_a_signal_to_lamina_invoke_leaves_no_process(tmp_path: Path, sig: signal.Signals) -> None:
    proc, pids = start_invoke(tmp_path)
    try:
        proc.send_signal(sig)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    left = wait_gone([pids["runtime"], pids["setsid_child"]])
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    if sig == signal.SIGKILL:
        # The kernel kills the environment (PR_SET_PDEATHSIG); the handler's own session
        # leader, reparented away from it, is beyond reach without a PID namespace.
        assert pids["runtime"] not in left
    else:
        assert left == [], f"left running after {sig.name}: {left}"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_to_lamina_invoke_debug_ends_debugpy(tmp_path: Path, sig: signal.Signals) -> None:
    from ports import free_port

    port = free_port()
    (tmp_path / "pyproject.toml").write_text('[tool.lamina]\n"debug.waitForClient" = false\n')
    proc, pids = start_invoke(tmp_path, "--debug", "--debug-port", str(port))
    try:
        assert listeners_on(port)
        proc.send_signal(sig)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    left = wait_gone([pids["runtime"], pids["setsid_child"]])
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"left running after {sig.name}: {left}"
    deadline = time.monotonic() + 10
    while listeners_on(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not listeners_on(port), "debugpy still listens"
