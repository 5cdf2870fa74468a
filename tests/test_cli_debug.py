"""`lamina invoke --debug`: the attach configuration on stderr, a real debugger attaching, and
the result on stdout."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from dap_client import DapClient
from ports import free_port
from processes import kill_all, live_launchers, wait_gone

from lamina.runtime.process_tree import descendants

HANDLER = """\
def handler(event, context):
    greeting = "hello " + event["name"]
    return {"greeting": greeting}
"""


def read_attach_config(proc: subprocess.Popen[bytes]) -> dict[str, object]:
    """The pretty-printed JSON object that `--debug` writes to stderr first."""
    assert proc.stderr is not None
    text = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline().decode()
        if not line:
            break
        text += line
        if line.startswith("}"):
            start = text.index("{")
            config: dict[str, object] = json.loads(text[start:])
            return config
    raise AssertionError(f"no attach configuration in: {text!r}")


def test_invoke_debug_stops_at_a_breakpoint(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(HANDLER))
    (tmp_path / "event.json").write_text('{"name": "debugger"}')
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamina", "invoke", "app.py:handler", "--event", "event.json",
         "--debug", "--debug-port", str(port), "--timeout", "1"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        config = read_attach_config(proc)
        assert config["type"] == "debugpy" and config["request"] == "attach"
        assert config["connect"] == {"host": "127.0.0.1", "port": port}
        client = DapClient(port)
        try:
            client.attach(config, {str(tmp_path / "app.py"): [3]})
            stopped, frames = client.stopped_frames()
            assert (stopped["reason"], frames[0]["line"]) == ("breakpoint", 3)
            assert client.local(frames[0]["id"], "greeting") == "'hello debugger'"
            time.sleep(1.5)  # past the 1 s timeout: suspended while attached
            client.resume(stopped["threadId"])
        finally:
            client.close()
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr.decode()
    assert json.loads(stdout) == {"greeting": "hello debugger"}
    assert re.search(
        r"REPORT RequestId: \S+\t.*Timeout: suspended while a debugger was attached",
        stderr.decode(),
    )


def test_a_debug_environment_ends_when_lamina_is_killed(tmp_path: Path) -> None:
    """SIGKILL leaves Lamina no chance to end its environments: the launcher, still waiting for
    an editor, must notice on its own."""
    (tmp_path / "app.py").write_text(textwrap.dedent(HANDLER))
    (tmp_path / "event.json").write_text('{"name": "nobody"}')
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamina", "invoke", "app.py:handler", "--event", "event.json",
         "--debug"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    launchers: set[int] = set()
    try:
        read_attach_config(proc)  # the launcher is listening and waits for an editor
        # Below Lamina: its child, or that child's grandchild in a PID namespace (the sandbox).
        below = set(descendants(proc.pid))
        launchers = {pid for pid in live_launchers() if pid in below}
        assert len(launchers) == 1
    finally:
        proc.kill()
        proc.communicate()
    left = wait_gone(launchers)
    kill_all(left)
    assert not left


def test_a_debug_port_in_use_is_one_clear_error(tmp_path: Path) -> None:
    """Another process holds --debug-port: one line naming the port, exit 2, no launcher left."""
    import socket

    (tmp_path / "app.py").write_text(textwrap.dedent(HANDLER))
    (tmp_path / "event.json").write_text('{"name": "nobody"}')
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    before = set(live_launchers())
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "lamina", "invoke", "app.py:handler", "--event", "event.json",
             "--debug-port", str(port)],
            cwd=tmp_path, capture_output=True, env=env, timeout=60, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    stderr = done.stderr.decode()
    assert done.returncode == 2, stderr
    assert f"error: the debugger did not start: port {port} is in use\n" in stderr
    assert "Traceback" not in stderr and done.stdout == b""
    left = wait_gone(set(live_launchers()) - before)
    kill_all(left)
    assert not left
