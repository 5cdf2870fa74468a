"""Each environment in its own PID namespace (runtime/pid_namespace.py): the runtime is pid 2 below
an init, /proc lists only the environment's processes, exit codes and signals reach Lamina as
before, and a handler's `setsid` or double-forked child ends with the environment even when
Lamina itself is killed with SIGKILL. Real environments, real processes; the host's process
table is read to find what the handler started."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from process_table import alive, wait_gone

from lamina.runtime import pid_namespace, sandbox
from lamina.runtime.config import RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

pytestmark = pytest.mark.skipif(
    not sandbox.available(), reason="no unprivileged user, mount and PID namespaces here"
)

# A daemon two ways: a `setsid` child, and a double fork whose grandchild is orphaned at once.
# Each sleeps with a marker on its command line, so the test finds them in the host's /proc.
DAEMONS = """
import json, os, subprocess, sys, time

def handler(event, context):
    marker = event["marker"]
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", marker],
                     start_new_session=True)
    middle = subprocess.Popen([sys.executable, "-c",
        "import subprocess, sys; subprocess.Popen([sys.executable, '-c', "
        "'import os, time; os.setsid(); time.sleep(300)', sys.argv[1]])", marker])
    middle.wait()
    if event.get("hang"):
        time.sleep(120)
    return {"pid": os.getpid(), "ppid": os.getppid(),
            "proc": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}
"""


def with_marker(marker: str) -> list[int]:
    """Host pids of the processes whose command line carries `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker.encode() in f.read().split(b"\0") and alive(int(entry)):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def wait_for_daemons(marker: str, proc: subprocess.Popen[bytes] | None = None) -> list[int]:
    deadline = time.monotonic() + 60
    while len(found := with_marker(marker)) < 2:
        assert proc is None or proc.poll() is None, proc.communicate()[1].decode()
        assert time.monotonic() < deadline, f"the handler's daemons never started: {found}"
        time.sleep(0.05)
    return found


async def test_the_handler_sees_its_own_namespace(write_function: Any) -> None:
    config = write_function(DAEMONS)
    marker = f"lamina-test-{uuid.uuid4()}"
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({"marker": marker}))
        assert result.ok, result.payload
        seen = json.loads(result.payload)
        daemons = wait_for_daemons(marker)
    # pid 1 is the namespace's init, the runtime its child, then the handler's two daemons
    # (the double fork's middle process has exited): nothing of the host's.
    assert (seen["pid"], seen["ppid"]) == (2, 1)
    assert len(seen["proc"]) == 4 and seen["proc"][:2] == [1, 2], seen["proc"]
    assert wait_gone(daemons) == []  # the environment ended, and everything it started


async def test_the_runtime_pid_is_the_runtimes_own(write_function: Any) -> None:
    """Memory is read from the runtime, not from the outer process (a copy of Lamina)."""
    config = write_function(
        "import os\ndef handler(event, context):\n    return open('/proc/self/stat').read()\n"
    )
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
        (env,) = pool.environments()
        assert env.pid is not None and env.runtime_pid is not None
        assert env.runtime_pid != env.pid
        with open(f"/proc/{env.runtime_pid}/status") as f:
            ns_pids = next(line for line in f if line.startswith("NSpid:")).split()[1:]
    assert ns_pids == [str(env.runtime_pid), "2"]
    assert json.loads(result.payload).startswith("2 (")


# A handler that leaves a subprocess running (not detached: it is the function's own).
CHILD = """
import subprocess, sys

def handler(event, context):
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", event["marker"]])
    return "started"
"""


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rpartition(")")[2].split()[0]


async def test_the_freeze_stops_the_functions_processes_and_not_the_namespace(
    write_function: Any,
) -> None:
    """Between invokes the runtime and its subprocesses are stopped (SIGSTOP to their group);
    the outer process and the namespace's init are not, so each freeze and thaw wakes only
    the function's processes. An invoke resumes them all."""
    config = write_function(CHILD)
    marker = f"lamina-test-{uuid.uuid4()}"
    async with RuntimePool(RuntimeOptions(freeze=True)) as pool:
        await pool.invoke(config, InvocationRequest.from_json({"marker": marker}))
        (env,) = pool.environments()
        assert env.pid is not None and env.runtime_pid is not None
        init, runtime = pid_namespace.namespace_pids(env.pid)
        assert runtime == env.runtime_pid and init not in (env.pid, runtime)
        (subprocess_pid,) = wait_for_one(marker)
        deadline = time.monotonic() + 30
        while {_state(runtime), _state(subprocess_pid)} != {"T"}:  # the freeze is deferred
            assert time.monotonic() < deadline, (_state(runtime), _state(subprocess_pid))
            await asyncio.sleep(0.01)
        assert _state(env.pid) != "T" and _state(init) != "T"
        await pool.invoke(config, InvocationRequest.from_json({"marker": marker}))
        # Resumed by the invoke (and frozen again soon after: seen as a state change, or as a
        # second subprocess that a stopped runtime could not have started).
        assert len(wait_for_one(marker, at_least=2)) >= 2


def wait_for_one(marker: str, at_least: int = 1) -> list[int]:
    deadline = time.monotonic() + 60
    while len(found := with_marker(marker)) < at_least:
        assert time.monotonic() < deadline, f"the handler's subprocess never started: {found}"
        time.sleep(0.05)
    return found


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("import sys; sys.exit(3)", "exit status 3"),
        ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", "signal: segmentation fault"),
    ],
)
async def test_exit_codes_and_signals_reach_lamina(
    write_function: Any, body: str, message: str
) -> None:
    config = write_function(f"def handler(event, context):\n    {body}\n")
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    assert not result.ok
    error = json.loads(result.payload)
    assert error["errorType"] == "Runtime.ExitError"
    assert message in error["errorMessage"], error


def test_sigkill_to_lamina_ends_every_process_the_handler_started(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(DAEMONS))
    marker = f"lamina-test-{uuid.uuid4()}"
    (tmp_path / "event.json").write_text(json.dumps({"marker": marker, "hang": True}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("LAMINA_SANDBOX", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamina", "invoke", "app.py:handler", "--event", "event.json",
         "--timeout", "120"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        daemons = wait_for_daemons(marker, proc)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    left = wait_gone(daemons)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], "the handler's daemons outlived a Lamina killed with SIGKILL"


# An extension that registers for nothing and waits; it tells the handler its own pid.
QUIET_EXTENSION = """\
#!{python}
import http.client, os
c = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"])
c.request("POST", "/2020-01-01/extension/register", body='{{"events": []}}',
          headers={{"Lambda-Extension-Name": "quiet"}})
r = c.getresponse(); r.read()
ext_id = r.getheader("Lambda-Extension-Identifier")
with open("/tmp/quiet.pid", "w") as f:
    f.write(str(os.getpid()))
c.request("GET", "/2020-01-01/extension/event/next",
          headers={{"Lambda-Extension-Identifier": ext_id}})
c.getresponse().read()
"""

EXTENSION_PIDS = """
import os
def handler(event, context):
    with open("/tmp/quiet.pid") as f:
        return {"extension": int(f.read()), "ppid": os.getppid(), "pid": os.getpid()}
"""


async def test_extensions_are_children_of_the_runtime_inside_the_namespace(
    write_function: Any, tmp_path: Path
) -> None:
    """Extensions sit in the environment's namespace below the runtime, and the pid their
    launcher reports (the namespace's) is found on the host, so SHUTDOWN waits for the right
    process."""
    ext = tmp_path / "layer" / "extensions" / "quiet"
    ext.parent.mkdir(parents=True)
    ext.write_text(QUIET_EXTENSION.format(python=sys.executable))
    ext.chmod(0o755)
    config = write_function(EXTENSION_PIDS, opt_roots=(tmp_path / "layer",))
    async with RuntimePool(RuntimeOptions(sandbox=True)) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
        assert result.ok, result.payload
        seen = json.loads(result.payload)
        assert seen["pid"] == 2 and seen["ppid"] == 1 and 2 < seen["extension"] < 10
        env = pool.environments(config)[0]
        assert env._ext.host is not None and env._ext.host.pids == {"quiet": seen["extension"]}
        assert env._child is not None
        inside = pid_namespace.host_pids(env._child.runtime_pid)
        host_pid = inside[seen["extension"]]
        assert "extensions/quiet" in Path(f"/proc/{host_pid}/cmdline").read_text()
        still_there = env._ext._alive_check()
        assert still_there(seen["extension"])
        os.kill(host_pid, signal.SIGKILL)
        for _ in range(200):
            if not still_there(seen["extension"]):
                break
            time.sleep(0.02)
        assert not still_there(seen["extension"])
