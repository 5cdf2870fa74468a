"""Execution environments and the pool with real child processes: warm reuse, freeze, limits,
crashes, concurrency and retirement."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from typing import Any

import pytest
from process_table import alive

from lamina.runtime import sandbox
from lamina.runtime.config import RuntimeOptions
from lamina.runtime.environment import EnvironmentState
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

COUNTER = """
import os, tempfile, time
count = 0
ENVIRONMENT = os.urandom(8).hex()  # one per environment (its pid is 2 in each PID namespace)
def handler(event, context):
    global count
    count += 1
    cache = os.path.join(tempfile.gettempdir(), "cache.txt")
    cached = os.path.exists(cache)
    if not cached:
        with open(cache, "w") as f:
            f.write("x")
    time.sleep(event.get("sleep", 0))
    return {"count": count, "cached": cached, "tmp": tempfile.gettempdir(), "env": ENVIRONMENT}
"""

REPORT = re.compile(
    r"^REPORT RequestId: (\S+)\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: 128 MB\tMax Memory Used: \d+ MB(\tInit Duration: \d+\.\d\d ms)?\t$",
    re.M,
)


def body(result: Any) -> Any:
    assert result.ok, result.payload
    return json.loads(result.payload)


@pytest.mark.parametrize("client", ["lamina", "awslambdaric"])
async def test_warm_reuse_keeps_globals_and_temp_dir(client: str, write_function: Any) -> None:
    config = write_function(COUNTER)
    async with RuntimePool(RuntimeOptions(runtime_client=client)) as pool:
        results = [await pool.invoke(config, InvocationRequest.from_json({})) for _ in range(3)]
    bodies = [body(r) for r in results]
    assert [b["count"] for b in bodies] == [1, 2, 3]
    assert [b["cached"] for b in bodies] == [False, True, True]
    assert len({b["env"] for b in bodies}) == 1
    if sandbox.available():  # a private /tmp, as on Lambda (runtime/sandbox.py)
        assert bodies[0]["tmp"] == "/tmp"
    else:  # the environment's own temp dir
        assert bodies[0]["tmp"].startswith(os.path.join(os.path.realpath("/tmp"), "lamina-env-"))
    assert [r.cold for r in results] == [True, False, False]
    for result in results:
        match = REPORT.search(result.logs)
        assert match and match.group(1) == result.request_id, result.logs
        assert bool(match.group(2)) == result.cold
        assert result.logs.startswith(f"START RequestId: {result.request_id} Version: $LATEST\n")
        assert f"END RequestId: {result.request_id}\n" in result.logs


async def test_concurrent_invokes_get_separate_environments(write_function: Any) -> None:
    config = write_function(COUNTER)
    async with RuntimePool(RuntimeOptions(max_concurrency=2)) as pool:
        first = await asyncio.gather(
            *(pool.invoke(config, InvocationRequest.from_json({"sleep": 0.3})) for _ in range(2))
        )
        assert len(pool.environments(config)) == 2
        # A third concurrent caller beyond the limit waits for a free environment.
        more = await asyncio.gather(
            *(pool.invoke(config, InvocationRequest.from_json({"sleep": 0.2})) for _ in range(3))
        )
        assert len(pool.environments(config)) == 2
    environments = {body(r)["env"] for r in first}
    assert len(environments) == 2
    # Each environment has its own temp dir: a private /tmp in the sandbox, else its own folder.
    assert [body(r)["cached"] for r in first] == [False, False]
    if not sandbox.available():
        assert len({body(r)["tmp"] for r in first}) == 2
    assert {body(r)["env"] for r in more} == environments


THREAD = """
import threading, time
ticks = 0
def tick():
    global ticks
    while True:
        ticks += 1
        time.sleep(0.01)
threading.Thread(target=tick, daemon=True).start()
def handler(event, context):
    return ticks
"""


@pytest.mark.parametrize("freeze", [True, False])
async def test_background_thread_is_frozen_between_invokes(
    freeze: bool, write_function: Any
) -> None:
    config = write_function(THREAD)
    async with RuntimePool(RuntimeOptions(freeze=freeze)) as pool:
        first = body(await pool.invoke(config, InvocationRequest()))
        await asyncio.sleep(1.0)
        second = body(await pool.invoke(config, InvocationRequest()))
    advanced = second - first
    if freeze:
        assert advanced <= 5, advanced  # only the few ms of the second invoke itself
    else:
        assert advanced >= 40, advanced  # about 100 ticks in a second


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/status") as f:
        return next(line.split()[1] for line in f if line.startswith("State:"))


async def test_idle_environment_is_stopped_and_an_invoke_resumes_it(write_function: Any) -> None:
    """The freeze is a real SIGSTOP soon after `/next` (FREEZE_AFTER_S), lifted by the next
    event; an event sooner than that finds the runtime still running."""
    config = write_function(THREAD)
    async with RuntimePool(RuntimeOptions(freeze=True)) as pool:
        body(await pool.invoke(config, InvocationRequest()))
        (env,) = pool.environments(config)
        assert env.runtime_pid is not None
        for _ in range(200):  # the freeze is deferred a moment: wait for it, no clock asserted
            if _state(env.runtime_pid) == "T":
                break
            await asyncio.sleep(0.01)
        assert _state(env.runtime_pid) == "T"
        for _ in range(5):  # back to back: answered, frozen or not
            assert isinstance(body(await pool.invoke(config, InvocationRequest())), int)
        await asyncio.sleep(0.5)
        assert _state(env.runtime_pid) == "T"


async def test_child_killed_mid_invoke_reports_exit_error_then_recovers(
    write_function: Any,
) -> None:
    config = write_function(COUNTER)
    async with RuntimePool() as pool:
        body(await pool.invoke(config, InvocationRequest.from_json({})))
        (env,) = pool.environments(config)
        request = InvocationRequest.from_json({"sleep": 10})
        task = asyncio.create_task(pool.invoke(config, request))
        await asyncio.sleep(0.3)
        assert env.pid is not None
        os.kill(env.pid, signal.SIGKILL)
        result = await asyncio.wait_for(task, 5)
        assert result.error == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request.request_id} Error: Runtime exited with error: signal: killed",
            "requestId": request.request_id,
        }
        after = await pool.invoke(config, InvocationRequest.from_json({}))
        assert after.cold and body(after)["count"] == 1


async def test_child_killed_while_idle_loses_no_invocation(write_function: Any) -> None:
    config = write_function(COUNTER)
    async with RuntimePool() as pool:
        body(await pool.invoke(config, InvocationRequest.from_json({})))
        (env,) = pool.environments(config)
        assert env.pid is not None
        os.kill(env.pid, signal.SIGKILL)  # parked on /next, frozen: its long poll dies with it
        result = await asyncio.wait_for(pool.invoke(config, InvocationRequest.from_json({})), 10)
        assert result.cold and body(result)["count"] == 1


@pytest.mark.parametrize(
    "source,error_type",
    [
        (
            "import time\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n    return 'ok'\n",
            "Sandbox.Timedout",
        ),
        (
            "import os\ndef handler(event, context):\n    if event.get('sleep'):\n        os._exit(1)\n    return 'ok'\n",
            "Runtime.ExitError",
        ),
        (
            "def handler(event, context):\n    if event.get('sleep'):\n        return [bytearray(1 << 20) for _ in range(300)]\n    return 'ok'\n",
            "Runtime.OutOfMemory",
        ),
    ],
)
async def test_next_invoke_after_a_fatal_error_is_cold_and_works(
    source: str, error_type: str, write_function: Any
) -> None:
    # Only the timeout case needs a short timeout: the others get room to fail their own way
    # on a busy machine (300 MB allocated against 128 MB took over 1 s at load 5).
    config = write_function(source, timeout=1.0 if error_type == "Sandbox.Timedout" else 10.0)
    async with RuntimePool() as pool:
        failed = await pool.invoke(config, InvocationRequest.from_json({"sleep": 5}))
        assert failed.error and failed.error["errorType"] == error_type
        if error_type == "Sandbox.Timedout":
            assert re.search(
                r"\d{4}-\d\d-\d\dT\S+Z \S+ Task timed out after 1.00 seconds\n", failed.logs
            )
        if error_type == "Runtime.OutOfMemory":
            assert failed.max_memory_used_mb == 128
        after = await pool.invoke(config, InvocationRequest.from_json({}))
        assert after.ok and after.cold and after.payload == b'"ok"'


async def test_init_error_then_fixed_code_works(write_function: Any) -> None:
    config = write_function("import missing_module_x\ndef handler(event, context):\n    return 1\n")
    async with RuntimePool() as pool:
        result = await pool.invoke(config, InvocationRequest())
        assert result.error and result.error["errorType"] == "Runtime.ImportModuleError"
        assert "LAMBDA_WARNING: Unhandled exception." in result.logs
        (config.code_dir / "app.py").write_text("def handler(event, context):\n    return 2\n")
        await pool.retire(config.function_name)
        fixed = await pool.invoke(config, InvocationRequest())
        assert fixed.ok and fixed.payload == b"2"


async def test_stdout_flood_is_bounded_and_keeps_the_end(write_function: Any) -> None:
    source = """
import sys
def handler(event, context):
    chunk = "y" * 1023 + "\\n"
    for _ in range(100 * 1024):
        sys.stdout.write(chunk)
    print("the last line")
    return "done"
"""
    config = write_function(source, timeout=60.0)
    for client in ("lamina", "awslambdaric"):
        async with RuntimePool(
            RuntimeOptions(runtime_client=client, max_log_bytes=1 << 20)
        ) as pool:
            result = await pool.invoke(config, InvocationRequest())
        assert result.ok and result.payload == b'"done"'
        assert len(result.logs) < 1.2 * (1 << 20)
        omitted = re.search(r"\[lamina\] \.\.\. (\d+) bytes of output omitted \.\.\.", result.logs)
        assert omitted and int(omitted.group(1)) > 100 * 1024 * 1024 - (1 << 20)
        assert "the last line\nEND RequestId:" in result.logs


async def test_retire_ends_idle_environments_and_new_code_runs(write_function: Any) -> None:
    config = write_function("def handler(event, context):\n    return 'v1'\n")
    async with RuntimePool() as pool:
        assert (await pool.invoke(config, InvocationRequest())).payload == b'"v1"'
        (env,) = pool.environments(config)
        (config.code_dir / "app.py").write_text("def handler(event, context):\n    return 'v2'\n")
        assert await pool.retire(config.function_name) == 1
        assert env.state is EnvironmentState.DEAD
        result = await pool.invoke(config, InvocationRequest())
        assert result.cold and result.payload == b'"v2"'


async def test_retire_without_waiting_starts_the_next_before_the_old_one_has_ended(
    write_function: Any,
) -> None:
    """A save's path: the old environment leaves the pool at once and ends in the background;
    the next invoke runs the new code in a new one; close() waits for the old one's end."""
    config = write_function("def handler(event, context):\n    return 'v1'\n")
    pool = RuntimePool()
    try:
        assert (await pool.invoke(config, InvocationRequest())).payload == b'"v1"'
        (old,) = pool.environments(config)
        old_pid = old.pid
        (config.code_dir / "app.py").write_text("def handler(event, context):\n    return 'v2'\n")
        assert await pool.retire(config.function_name, wait=False) == 1
        assert pool.environments(config) == []
        result = await pool.invoke(config, InvocationRequest())
        assert result.cold and result.payload == b'"v2"'
        assert pool.environments(config) != [old]
    finally:
        await pool.close()
    assert old.state is EnvironmentState.DEAD and old_pid is not None and not alive(old_pid)


async def test_idle_environments_are_reaped(write_function: Any) -> None:
    config = write_function(COUNTER)
    async with RuntimePool(RuntimeOptions(idle_timeout=0.2)) as pool:
        await pool.invoke(config, InvocationRequest.from_json({}))
        (env,) = pool.environments(config)
        # The pool drops the slot first (nothing may lease it), then awaits the kill: wait for
        # both, not for the first alone (under load the kill can still be under way).
        for _ in range(100):
            await asyncio.sleep(0.1)
            if not pool.environments(config) and env.state is EnvironmentState.DEAD:
                break
        assert pool.environments(config) == []
        assert env.state is EnvironmentState.DEAD


async def test_changed_config_retires_old_environments(write_function: Any) -> None:
    from dataclasses import replace

    config = write_function(
        "import os\ndef handler(event, context):\n    return os.environ.get('MODE')\n"
    )
    async with RuntimePool() as pool:
        assert (await pool.invoke(config, InvocationRequest())).payload == b"null"
        changed = replace(config, environment=(("MODE", "fast"),))
        result = await pool.invoke(changed, InvocationRequest())
        assert result.cold and result.payload == b'"fast"'
        assert pool.environments(config) == []


async def test_credentials_reach_the_function(write_function: Any) -> None:
    config = write_function(
        "import os\ndef handler(event, context):\n    return [os.environ.get(k) for k in ('AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN')]\n"
    )

    async def provider() -> tuple[dict[str, str], None]:
        return {
            "AWS_ACCESS_KEY_ID": "AKIDLAMINA",
            "AWS_SECRET_ACCESS_KEY": "s",
            "AWS_SESSION_TOKEN": "tok",
        }, None

    async with RuntimePool(credentials=provider) as pool:
        result = await pool.invoke(config, InvocationRequest())
    assert json.loads(result.payload) == ["AKIDLAMINA", "tok"]


async def test_cancelled_invoke_kills_its_environment(write_function: Any) -> None:
    config = write_function(COUNTER)
    async with RuntimePool() as pool:
        task = asyncio.create_task(pool.invoke(config, InvocationRequest.from_json({"sleep": 30})))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if (
                pool.environments(config)
                and pool.environments(config)[0].state is EnvironmentState.BUSY
            ):
                break
        (env,) = pool.environments(config)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert env.state is EnvironmentState.DEAD
        assert pool.environments(config) == []
        after = await pool.invoke(config, InvocationRequest.from_json({}))
        assert after.cold and body(after)["count"] == 1


async def test_environments_are_replaced_before_their_credentials_expire(
    write_function: Any,
) -> None:
    from datetime import datetime, timedelta, timezone

    config = write_function(
        "import os\ndef handler(event, context):\n    return os.environ['AWS_ACCESS_KEY_ID']\n"
    )
    issued: list[str] = []

    async def provider() -> tuple[dict[str, str], datetime]:
        key = f"ASIAKEY{len(issued)}"
        issued.append(key)
        # Four minutes left: inside the pool's five-minute margin, so not reused for a next invoke.
        return {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": "s"}, datetime.now(
            timezone.utc
        ) + timedelta(minutes=4)

    async with RuntimePool(credentials=provider) as pool:
        first = await pool.invoke(config, InvocationRequest())
        second = await pool.invoke(config, InvocationRequest())
    assert (first.payload, second.payload) == (b'"ASIAKEY0"', b'"ASIAKEY1"')
    assert second.cold
