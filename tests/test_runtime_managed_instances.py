"""Lambda Managed Instances, really executed: one environment serves up to
PerExecutionEnvironmentMaxConcurrency invocations at once, under Lamina's bootstrap and under
awslambdaric 4 alike (each runs that many worker processes).

The handlers meet at a barrier in the environment's own temp dir: all four return only once all
four are running, so they overlap in time and share one environment (another environment has
another temp dir), without any clock in the test."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from lamina.runtime import process_tree
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.environment_watch import FREEZE_AFTER_S
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.pool import RuntimePool

CLIENTS = ("lamina", "awslambdaric")

HANDLER = """
import json, logging, os, tempfile, time

def handler(event, context):
    here = os.path.join(tempfile.gettempdir(), "barrier-" + event["name"])
    os.makedirs(here, exist_ok=True)
    open(os.path.join(here, context.aws_request_id), "w").close()
    while len(os.listdir(here)) < event["wait_for"]:  # the barrier: the others arrive
        if context.get_remaining_time_in_millis() < 500:
            return {"barrier": "not met"}
        time.sleep(0.01)
    if event.get("fail"):
        raise ValueError("only this one fails")
    logging.warning("worker of %s", context.aws_request_id)
    return {
        "request_id": context.aws_request_id,
        "pid": os.getpid(),
        "runtime_pid": os.getppid(),
        "stream": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"],
        "max_concurrency": os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY"),
        "init_type": os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE"),
    }
"""


def managed(write_function: Any, concurrency: int = 4) -> FunctionConfig:
    return write_function(HANDLER, timeout=20.0, managed_concurrency=concurrency)  # type: ignore[no-any-return]


def request(name: str, wait_for: int, **extra: object) -> InvocationRequest:
    return InvocationRequest.from_json({"name": name, "wait_for": wait_for, **extra})


def answer(result: InvocationResult) -> dict[str, Any]:
    assert result.ok, (result.payload, result.logs[-2000:])
    body: dict[str, Any] = json.loads(result.payload)
    assert "barrier" not in body, result.logs[-2000:]
    return body


@pytest.mark.parametrize("client", CLIENTS)
async def test_four_concurrent_invokes_share_one_environment(
    client: str, write_function: Any
) -> None:
    config = managed(write_function)
    async with RuntimePool(RuntimeOptions(runtime_client=client)) as pool:
        requests = [request("four", 4) for _ in range(4)]
        results = await asyncio.gather(*(pool.invoke(config, r) for r in requests))
        bodies = [answer(result) for result in results]
        assert len(pool.environments(config)) == 1
        # Each answered on its own request id, by its own worker of one runtime.
        assert [b["request_id"] for b in bodies] == [r.request_id for r in requests]
        assert len({b["pid"] for b in bodies}) == 4
        assert len({b["runtime_pid"] for b in bodies}) == 1
        assert len({b["stream"] for b in bodies}) == 1
        assert {b["max_concurrency"] for b in bodies} == {"4"}
        assert {b["init_type"] for b in bodies} == {"lambda-managed-instances"}
        for r, result in zip(requests, results, strict=True):
            assert f"START RequestId: {r.request_id}" in result.logs
            assert f"REPORT RequestId: {r.request_id}" in result.logs
        # Each worker's log records (JSON: Managed Instances log in JSON only) carry its own
        # invocation's request id (the output is one stream: a record may be in another
        # invocation's log, never under another's id).
        records = [
            json.loads(line)
            for line in "".join(r.logs for r in results).splitlines()
            if line.startswith("{") and "worker of" in line
        ]
        seen = sorted((r["requestId"], r["message"]) for r in records)
        assert seen == sorted((r.request_id, f"worker of {r.request_id}") for r in requests)
        assert {r["level"] for r in records} == {"WARNING"}
        # Warm: the next four go to the same environment, its workers already initialised.
        again = await asyncio.gather(*(pool.invoke(config, request("again", 4)) for _ in range(4)))
        assert {answer(result)["stream"] for result in again} == {bodies[0]["stream"]}
        assert all(result.init_duration_ms is None for result in again)


@pytest.mark.parametrize("client", CLIENTS)
async def test_a_fifth_invoke_starts_a_second_environment(client: str, write_function: Any) -> None:
    config = managed(write_function)
    async with RuntimePool(RuntimeOptions(runtime_client=client)) as pool:
        four = [pool.invoke(config, request("full", 4)) for _ in range(4)]
        fifth = pool.invoke(config, request("alone", 1))
        results = await asyncio.gather(*four, fifth)
        bodies = [answer(result) for result in results]
        assert len({b["stream"] for b in bodies[:4]}) == 1
        assert bodies[4]["stream"] != bodies[0]["stream"]
        assert len(pool.environments(config)) == 2


@pytest.mark.parametrize("client", CLIENTS)
async def test_an_error_in_one_invocation_leaves_the_others(
    client: str, write_function: Any
) -> None:
    config = managed(write_function)
    async with RuntimePool(RuntimeOptions(runtime_client=client)) as pool:
        failing = request("error", 4, fail=True)
        others = [request("error", 4) for _ in range(3)]
        results = await asyncio.gather(*(pool.invoke(config, r) for r in [failing, *others]))
        assert not results[0].ok
        assert results[0].error is not None
        assert results[0].error["errorType"] == "ValueError"
        assert results[0].error["errorMessage"] == "only this one fails"
        bodies = [answer(result) for result in results[1:]]
        assert [b["request_id"] for b in bodies] == [r.request_id for r in others]
        assert f"REPORT RequestId: {failing.request_id}" in results[0].logs
        # The environment goes on serving.
        after = answer(await pool.invoke(config, request("after", 1)))
        assert after["stream"] == bodies[0]["stream"]
        assert len(pool.environments(config)) == 1


async def test_the_same_answers_from_both_runtime_clients(write_function: Any) -> None:
    """Lamina's bootstrap and awslambdaric 4 alike: the error JSON of a failing invocation, and
    what the handlers see."""
    seen: dict[str, Any] = {}
    for client in CLIENTS:
        config = managed(write_function, concurrency=2)
        async with RuntimePool(RuntimeOptions(runtime_client=client)) as pool:
            failing = request(client, 2, fail=True)
            ok = request(client, 2)
            results = await asyncio.gather(pool.invoke(config, failing), pool.invoke(config, ok))
            error = dict(results[0].error or {})
            assert error.pop("requestId", failing.request_id) == failing.request_id
            text = json.dumps(error).replace(str(config.code_dir), "<code>")
            body = answer(results[1])
            seen[client] = (json.loads(text), body["max_concurrency"], body["init_type"])
    assert seen["lamina"] == seen["awslambdaric"]


SLEEPER = """
import os, tempfile, time

def handler(event, context):
    here = os.path.join(tempfile.gettempdir(), "barrier-" + event["name"])
    os.makedirs(here, exist_ok=True)
    open(os.path.join(here, context.aws_request_id), "w").close()
    while len(os.listdir(here)) < event["wait_for"]:
        time.sleep(0.01)
    if event.get("hog_mb"):
        hog = b"x" * (event["hog_mb"] << 20)  # written: resident
        time.sleep(event.get("hold", 10))
        return len(hog)
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {"pid": os.getpid(), "stream": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]}
"""


@pytest.mark.parametrize("client", CLIENTS)
async def test_a_timeout_ends_that_invocation_only(client: str, write_function: Any) -> None:
    """The timeout is per invocation: its caller gets the timeout error, the other invocation
    and the environment go on (Managed Instances don't stop the handler)."""
    config = write_function(SLEEPER, timeout=1.0, managed_concurrency=2)
    async with RuntimePool(RuntimeOptions(runtime_client=client)) as pool:
        slow = request("timeout", 2, sleep=3)
        quick = request("timeout", 2)
        late, ok = await asyncio.gather(pool.invoke(config, slow), pool.invoke(config, quick))
        assert late.error is not None
        assert late.error["errorType"] == "Sandbox.Timedout"
        assert late.error["errorMessage"] == (
            f"RequestId: {slow.request_id} Error: Task timed out after 1.00 seconds"
        )
        stream = answer(ok)["stream"]
        again = answer(await pool.invoke(config, request("again", 1)))
        assert again["stream"] == stream
        assert len(pool.environments(config)) == 1


@pytest.mark.parametrize("client", CLIENTS)
async def test_the_memory_limit_counts_every_worker(client: str, write_function: Any) -> None:
    """Two workers of 70 MB each fit 128 MB alone, not together: both invocations fail."""
    config = write_function(SLEEPER, timeout=20.0, memory_size=128, managed_concurrency=2)
    async with RuntimePool(RuntimeOptions(runtime_client=client)) as pool:
        both = [request("memory", 2, hog_mb=70) for _ in range(2)]
        results = await asyncio.gather(*(pool.invoke(config, r) for r in both))
        for r, result in zip(both, results, strict=True):
            assert result.error is not None, result.payload
            assert result.error["errorType"] == "Runtime.OutOfMemory", result.error
            assert r.request_id in result.error["errorMessage"]


async def test_max_memory_used_is_the_environments(write_function: Any) -> None:
    """The REPORT's Max Memory Used counts every worker: two holding 60 MB at once."""
    config = write_function(SLEEPER, timeout=20.0, memory_size=512, managed_concurrency=2)
    async with RuntimePool(RuntimeOptions()) as pool:
        both = [request("peak", 2, hog_mb=60, hold=1) for _ in range(2)]
        results = await asyncio.gather(*(pool.invoke(config, r) for r in both))
        for result in results:
            assert result.ok, (result.payload, result.logs[-2000:])
        assert max(result.max_memory_used_mb for result in results) >= 120


@pytest.mark.parametrize("client", CLIENTS)
async def test_an_init_error_ends_every_waiting_invocation(
    client: str, write_function: Any
) -> None:
    """Each worker runs the init and fails; the first error posted is the one every invocation
    gets (the other workers' posts are refused, as awslambdaric 4 expects)."""
    source = (
        "raise RuntimeError('config missing at init')\ndef handler(event, context):\n    return 1\n"
    )
    config = write_function(source, managed_concurrency=3)
    async with RuntimePool(RuntimeOptions(runtime_client=client)) as pool:
        results = await asyncio.gather(
            *(pool.invoke(config, InvocationRequest()) for _ in range(3))
        )
        for result in results:
            assert result.error is not None
            assert result.error["errorType"] == "RuntimeError"
            assert result.error["errorMessage"] == "config missing at init"


@pytest.mark.parametrize("client", CLIENTS)
async def test_a_worker_that_dies_fails_its_invocation_only(
    client: str, write_function: Any
) -> None:
    """A worker that exits mid-invocation fails that invocation at once (not at its timeout);
    the environment serves on with its other workers."""
    source = SLEEPER.replace(
        '    if event.get("sleep"):',
        '    if event.get("exit"):\n        os._exit(3)\n    if event.get("sleep"):',
    )
    config = write_function(source, timeout=60.0, managed_concurrency=2)
    async with RuntimePool(RuntimeOptions(runtime_client=client)) as pool:
        dying = request("exit", 2, exit=True)
        living = request("exit", 2)
        died, lived = await asyncio.gather(pool.invoke(config, dying), pool.invoke(config, living))
        assert died.error is not None
        assert died.error["errorType"] == "Runtime.ExitError"
        assert died.error["errorMessage"] == (
            f"RequestId: {dying.request_id} Error: Runtime exited without providing a reason"
        )
        stream = answer(lived)["stream"]
        after = answer(await pool.invoke(config, request("after", 1)))
        assert after["stream"] == stream


async def test_init_may_run_past_on_demands_limit(write_function: Any) -> None:
    """On-demand init ends at 10 s; a Managed Instances one may take the larger of 130 s and the
    function's timeout."""
    source = "import time\ntime.sleep(11)\ndef handler(event, context):\n    return 'ready'\n"
    config = write_function(source, managed_concurrency=1)
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest())
        assert result.ok, (result.payload, result.logs[-2000:])
        assert json.loads(result.payload) == "ready"


async def test_an_event_that_timed_out_waiting_for_a_worker_never_runs(
    write_function: Any,
) -> None:
    """Concurrency 1 in at most one environment: A holds the only worker past its timeout; B, routed in meanwhile, waits for
    a worker until its own timeout. Once A's handler returns, the worker runs C, never B."""
    source = """
import os, tempfile, time

def handler(event, context):
    open(os.path.join(tempfile.gettempdir(), "ran-" + context.aws_request_id), "w").close()
    if event.get("hold"):
        while not os.path.exists(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "release")):
            time.sleep(0.01)
    return sorted(n[4:] for n in os.listdir(tempfile.gettempdir()) if n.startswith("ran-"))
"""
    config = write_function(source, timeout=1.0, managed_concurrency=1)
    async with RuntimePool(RuntimeOptions()) as pool:
        pool.limit_environments(config.function_name, config.version, 1)
        a, b = InvocationRequest.from_json({"hold": True}), InvocationRequest()
        results = await asyncio.gather(pool.invoke(config, a), pool.invoke(config, b))
        for result in results:
            assert result.error is not None
            assert result.error["errorType"] == "Sandbox.Timedout"
        (config.code_dir / "release").write_text("")
        c = InvocationRequest()
        ran = await pool.invoke(config, c)
        assert ran.ok, (ran.payload, ran.logs[-2000:])
        assert json.loads(ran.payload) == sorted([a.request_id, c.request_id])
        assert len(pool.environments(config)) == 1


def _state(pid: int) -> str | None:
    """The process's state letter (T: stopped), None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(line.split()[1] for line in f if line.startswith("State:"))
    except (OSError, StopIteration):
        return None


async def test_no_freeze_between_invokes_and_no_orphans(write_function: Any) -> None:
    """The environment runs on between invocations (never stopped, freeze on or not), and its
    end takes every worker with it."""
    config = managed(write_function, concurrency=3)
    pool = RuntimePool(RuntimeOptions(freeze=True))
    try:
        await asyncio.gather(*(pool.invoke(config, request("run", 3)) for _ in range(3)))
        (env,) = pool.environments(config)
        assert env.runtime_pid is not None
        tree = process_tree.descendants(env.runtime_pid)
        assert len(tree) >= 4  # the runtime and its three workers
        await asyncio.sleep(FREEZE_AFTER_S + 0.5)  # past the moment an on-demand one stops
        assert {_state(pid) for pid in tree}.isdisjoint({"T", "t"})
    finally:
        await pool.close()
    for _ in range(500):  # reaped a moment after the kill: wait for it, no clock asserted
        if all(_state(pid) in (None, "Z") for pid in tree):
            break
        await asyncio.sleep(0.01)
    assert all(_state(pid) in (None, "Z") for pid in tree)


async def test_the_workers_api_is_sealed_to_its_environment(write_function: Any) -> None:
    """Several /next at once, but only from the environment's own process tree."""
    config = managed(write_function, concurrency=2)
    async with RuntimePool(RuntimeOptions()) as pool:
        answer(await pool.invoke(config, request("sealed", 1)))
        (env,) = pool.environments(config)
        host, port = env.runtime_api.split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = await reader.read(65536)
        writer.close()
        assert reply.startswith(b"HTTP/1.1 403 ")
        assert b"AccessDenied" in reply
        again = answer(await pool.invoke(config, request("sealed-again", 1)))
        assert again["stream"] == answer(await pool.invoke(config, request("third", 1)))["stream"]
