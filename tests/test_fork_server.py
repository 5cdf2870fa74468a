"""Cold starts forked from a pre-started interpreter (runtime/fork_server.py, runtime/zygote.py):
the handler sees exactly what an exec'd environment sees (sys.path, variables, working
directory, descriptors, /proc, errors, log lines), exit codes reach Lamina, and the fork server
and its environments die with a Lamina killed with SIGKILL. Real environments, real processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from process_table import alive, wait_gone

from lamina.runtime import fork_server, sandbox
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.opt_dir import OptDir
from lamina.runtime.pool import RuntimePool

PROBE = """
import logging, os, sys
PER_ENVIRONMENT = {"AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_LOG_STREAM_NAME", "TMPDIR",
                   "_X_AMZN_TRACE_ID"}

def handler(event, context):
    if event.get("fail"):
        raise ValueError("as asked")
    logging.getLogger().warning("a log line")
    print("printed")
    try:
        import lamina  # noqa: F401
        lamina_import = "imported"
    except ImportError as e:
        lamina_import = type(e).__name__
    return {
        "path": sys.path,
        "env": sorted((k, v) for k, v in os.environ.items() if k not in PER_ENVIRONMENT),
        "cwd": os.getcwd(),
        "argv": sys.argv[1:],
        "fds": sorted(os.listdir("/proc/self/fd")),
        "proc": len([p for p in os.listdir("/proc") if p.isdigit()]) if os.getpid() == 2 else -1,
        "pid": os.getpid() if os.getpid() < 10 else "host",
        "flags": [sys.flags.no_site, sys.flags.dont_write_bytecode, sys.flags.optimize],
        "encoding": [sys.stdout.encoding, sys.getfilesystemencoding()],
        "lamina": lamina_import,
        "main": sys.modules["__main__"].__file__.rsplit("/", 1)[-1],
        "tz": __import__("time").tzname,
    }
"""


async def cold(config: FunctionConfig, options: RuntimeOptions, event: Any) -> tuple[Any, ...]:
    """The result, and whether the environment was forked (None: it is gone, so unknown)."""
    async with RuntimePool(options) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json(event))
        envs = pool.environments(config)
        forked = None
        if envs and envs[0]._child is not None:
            forked = isinstance(envs[0]._child.proc, fork_server.ForkedProcess)
    return result, forked


async def fork_server_ready(config: FunctionConfig, options: RuntimeOptions) -> None:
    """Until a cold start of `config` (a handler that stays up) is forked: environments of the
    same runtime that die at once are then forked too (the fork server is the same)."""
    await forked_cold(config, options, {})


async def forked_cold(config: FunctionConfig, options: RuntimeOptions, event: Any) -> Any:
    """A cold start that was forked: the first of a new key starts its fork server."""
    for _ in range(100):
        result, forked = await cold(config, options, event)
        if forked:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("no cold start was forked")


def comparable(result: InvocationResult) -> tuple[Any, str]:
    logs = "\n".join(
        line.split("\t", 3)[-1] if line.startswith("[WARNING]") else line
        for line in result.logs.splitlines()
        if not line.startswith(("START", "END", "REPORT"))
    )
    return json.loads(result.payload), logs


@pytest.mark.parametrize("isolated", [False, True], ids=["plain", "sandbox"])
async def test_a_forked_environment_sees_what_an_exec_one_sees(
    write_function: Any, isolated: bool
) -> None:
    if isolated and not sandbox.available():
        pytest.skip("no user, mount and PID namespaces here")
    config = write_function(PROBE)
    options = RuntimeOptions(sandbox=isolated, fork_server=True)
    forked = await forked_cold(config, options, {})
    execd, was_forked = await cold(config, RuntimeOptions(sandbox=isolated, fork_server=False), {})
    assert not was_forked
    assert forked.ok and execd.ok, (forked.payload, execd.payload)
    assert comparable(forked) == comparable(execd)
    seen = json.loads(forked.payload)
    assert seen["lamina"] == "ModuleNotFoundError" and seen["main"].startswith("bootstrap")
    # stdio, the Runtime API connection, the listing's own: nothing of the fork server's.
    assert seen["fds"] == ["0", "1", "2", "3", "4"], seen["fds"]
    if isolated:
        assert seen["pid"] == 2 and seen["proc"] == 2


def started_before(pid: int, uptime_s: float) -> bool:
    """Whether process `pid` was started before the system's uptime was `uptime_s`."""
    with open(f"/proc/{pid}/stat") as f:
        start_ticks = int(f.read().rpartition(")")[2].split()[19])
    return start_ticks < uptime_s * os.sysconf("SC_CLK_TCK")


def uptime() -> float:
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


@pytest.mark.parametrize("isolated", [False, True], ids=["plain", "sandbox"])
async def test_the_next_cold_start_is_a_spare_made_ahead_that_sees_what_an_exec_one_sees(
    write_function: Any, isolated: bool
) -> None:
    """After a forked start, the fork server makes a spare ready (forked, in its pids cgroup,
    namespaces entered): the next cold start of that kind is its process, started before it."""
    if isolated and not sandbox.available():
        pytest.skip("no user, mount and PID namespaces here")
    config = write_function(PROBE)
    options = RuntimeOptions(sandbox=isolated, fork_server=True)
    await forked_cold(config, options, {})
    await asyncio.sleep(0.1)  # a clock tick or more: /proc's start times count in ticks
    before = uptime()
    async with RuntimePool(options) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
        (env,) = pool.environments(config)
        assert env._child is not None and isinstance(env._child.proc, fork_server.ForkedProcess)
        assert started_before(env._child.proc.pid, before)
        cap = env._child.cap
        assert cap is not None
        cgroup = cap.cgroup
        if cgroup is not None:  # the spare's, joined ahead: the environment's now
            members = (cgroup / "cgroup.procs").read_text().split()
            assert str(env._child.proc.pid) in members
    if cgroup is not None:
        assert not cgroup.exists()  # removed with the environment
    execd, _ = await cold(config, RuntimeOptions(sandbox=isolated, fork_server=False), {})
    assert result.ok and execd.ok, (result.payload, execd.payload)
    assert comparable(result) == comparable(execd)
    seen = json.loads(result.payload)
    assert seen["fds"] == ["0", "1", "2", "3", "4"], seen["fds"]
    if isolated:
        assert seen["pid"] == 2 and seen["proc"] == 2


@pytest.mark.parametrize("isolated", [False, True], ids=["plain", "sandbox"])
async def test_a_spare_killed_from_outside_costs_nothing_but_its_head_start(
    write_function: Any, isolated: bool
) -> None:
    if isolated and not sandbox.available():
        pytest.skip("no user, mount and PID namespaces here")
    config = write_function(PROBE)
    options = RuntimeOptions(sandbox=isolated, fork_server=True)
    await forked_cold(config, options, {})
    spares = []
    for server in fork_server._servers.values():
        pid = server.proc.pid
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            spares += [int(child) for child in f.read().split()]
    assert spares
    for spare in spares:
        os.kill(spare, signal.SIGKILL)
    assert wait_gone(spares) == []
    result = await forked_cold(config, options, {})
    assert result.ok, result.payload


async def test_errors_are_the_same_forked_or_execd(write_function: Any) -> None:
    config = write_function(PROBE)
    forked = await forked_cold(
        config, RuntimeOptions(fork_server=True), {"fail": True}
    )  # fails, stays up
    execd, _ = await cold(config, RuntimeOptions(fork_server=False), {"fail": True})
    assert not forked.ok and not execd.ok
    assert forked.error is not None and execd.error is not None
    assert {**forked.error, "requestId": ""} == {**execd.error, "requestId": ""}
    assert forked.error is not None and forked.error["errorType"] == "ValueError"
    missing = write_function(PROBE, handler="nowhere.handler")
    forked, _ = await cold(
        missing, RuntimeOptions(fork_server=True), {}
    )  # the fork server is ready
    execd, _ = await cold(missing, RuntimeOptions(fork_server=False), {})
    assert forked.error == execd.error
    assert forked.error is not None
    assert forked.error["errorType"] == "Runtime.ImportModuleError"


async def test_an_exit_code_reaches_lamina(write_function: Any) -> None:
    await fork_server_ready(write_function(PROBE), RuntimeOptions(sandbox=False, fork_server=True))
    exiting = write_function(
        PROBE,
        handler="bye.handler",
        files={"bye.py": "import sys\ndef handler(event, context):\n    sys.exit(3)\n"},
    )
    result, _ = await cold(exiting, RuntimeOptions(sandbox=False, fork_server=True), {})
    assert result.error is not None
    assert result.error["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in result.error["errorMessage"]


HOLDER = """
import asyncio, json, sys
from pathlib import Path
from lamina.runtime import fork_server
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

async def main():
    config = FunctionConfig(function_name="fn", handler="app.handler", code_dir=Path(sys.argv[1]))
    pool = RuntimePool(RuntimeOptions(max_concurrency=40, fork_server=True))
    envs = []
    for _ in range(40):  # until one environment was forked
        await pool.invoke(config, InvocationRequest.from_json({}))
        await pool.retire()
        await asyncio.sleep(0.05)
        ready = [s for s in fork_server._servers.values() if s.ready]
        if ready:
            break
    await pool.invoke(config, InvocationRequest.from_json({}))
    (env,) = pool.environments(config)
    print(json.dumps({"server": ready[0].proc.pid, "environment": env.pid,
                      "runtime": env.runtime_pid}), flush=True)
    await asyncio.sleep(300)

asyncio.run(main())
"""


def test_sigkill_to_lamina_ends_the_fork_server_and_its_environments(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "holder.py").write_text(textwrap.dedent(HOLDER))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "holder.py"), str(code)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, proc.communicate(timeout=30)[1].decode()
        pids = json.loads(line)
        assert all(alive(pid) for pid in pids.values())
        with open(f"/proc/{pids['environment']}/stat") as f:  # a child of the fork server
            assert int(f.read().rpartition(")")[2].split()[1]) == pids["server"]
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 10
    left = wait_gone(list(pids.values()), max(0.0, deadline - time.monotonic()))
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"outlived a Lamina killed with SIGKILL: {left}"


@pytest.mark.parametrize("isolated", [False, True], ids=["plain", "sandbox"])
async def test_a_function_with_an_exec_wrapper_or_an_extension_is_execd(
    write_function: Any, tmp_path: Path, isolated: bool
) -> None:
    """The wrapper is handed the runtime's command line (AWS_LAMBDA_EXEC_WRAPPER), which only an
    exec'd environment has; extensions are started by the launcher the runtime then becomes."""
    if isolated and not sandbox.available():
        pytest.skip("no user, mount and PID namespaces here")
    options = RuntimeOptions(sandbox=isolated, fork_server=True)
    await fork_server_ready(write_function(PROBE), options)
    layer = tmp_path / "layer"
    (layer / "extensions").mkdir(parents=True)
    wrapper = layer / "wrapper.sh"
    wrapper.write_text('#!/bin/sh\nexport WRAPPED=yes\nexec "$@"\n')
    extension = layer / "extensions" / "quiet"  # registers for nothing, then waits
    extension.write_text(
        textwrap.dedent(f"""\
        #!{sys.executable}
        import http.client, os
        c = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"])
        c.request("POST", "/2020-01-01/extension/register", body='{{"events": []}}',
                  headers={{"Lambda-Extension-Name": "quiet"}})
        r = c.getresponse()
        r.read()
        ext_id = r.getheader("Lambda-Extension-Identifier")
        c.request("GET", "/2020-01-01/extension/event/next",
                  headers={{"Lambda-Extension-Identifier": ext_id}})
        c.getresponse().read()
        """)
    )
    for path in (wrapper, extension):
        path.chmod(0o755)
    variables = (("AWS_LAMBDA_EXEC_WRAPPER", "/opt/wrapper.sh"),)
    for config in (
        write_function(PROBE, environment=variables, opt_roots=(layer,)),
        write_function(PROBE, opt_roots=(layer,)),
    ):
        result, forked = await cold(config, options, {})
        assert result.ok, result.payload
        assert forked is False
        wrapped = ("WRAPPED", "yes") in [tuple(pair) for pair in json.loads(result.payload)["env"]]
        assert wrapped is bool(config.environment)


OPT_READER = """
import os
def handler(event, context):
    with open("/opt/layer.txt") as f:
        return {"layer": f.read(), "pid": os.getpid()}
"""


async def test_a_forked_sandboxed_environment_has_its_layers_at_opt(
    write_function: Any, tmp_path: Path
) -> None:
    if not sandbox.available() or not Path("/opt").is_dir():
        pytest.skip("no namespaces here, or no /opt folder to bind the layers over")
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "layer.txt").write_text("from the layer")
    config = write_function(OPT_READER, opt=OptDir(layer, (layer,)))
    result = await forked_cold(config, RuntimeOptions(sandbox=True, fork_server=True), {})
    assert result.ok, result.payload
    assert json.loads(result.payload) == {"layer": "from the layer", "pid": 2}


CUSTOM_BOOTSTRAP = """#!/usr/bin/env python3
import http.client, json, os
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
api = http.client.HTTPConnection(host, int(port))
while True:
    api.request("GET", "/2018-06-01/runtime/invocation/next")
    answer = api.getresponse()
    answer.read()
    request_id = answer.getheader("Lambda-Runtime-Aws-Request-Id")
    path = f"/2018-06-01/runtime/invocation/{request_id}/response"
    api.request("POST", path, json.dumps({"bootstrap": "its own", "pid": os.getpid()}))
    api.getresponse().read()
"""


async def test_a_custom_runtime_runs_its_own_bootstrap_beside_a_ready_fork_server(
    write_function: Any, tmp_path: Path
) -> None:
    """provided.*: the function's `bootstrap` is the runtime, so it is exec'd even when a fork
    server of Lamina's runtime client is ready (a fork would run ours instead)."""
    options = RuntimeOptions(sandbox=False, fork_server=True)
    await fork_server_ready(write_function(PROBE), options)
    code = tmp_path / "custom"
    code.mkdir()
    (code / "bootstrap").write_text(CUSTOM_BOOTSTRAP)
    (code / "bootstrap").chmod(0o755)
    config = FunctionConfig(
        function_name="custom", handler="any.thing", code_dir=code, runtime="provided.al2023"
    )
    result, forked = await cold(config, options, {})
    assert result.ok, result.payload
    assert json.loads(result.payload)["bootstrap"] == "its own"
    assert forked is False
