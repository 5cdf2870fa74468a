"""Environments sealed from each other: a handler that learns another environment's Runtime API
address (from /proc/<pid>/environ, as any process of the same user can without the sandbox) can
neither take its event nor block it, and a second concurrent /next on one environment is refused.
In the sandbox it can't even read that address."""

from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from lamina.runtime import sandbox
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

HANDLERS = """
import os, socket, time

NEXT = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"


def ask_next(api, wait=5.0):
    host, port = api.split(":")
    conn = socket.create_connection((host, int(port)), timeout=wait)
    conn.sendall(NEXT)
    return conn


def answer(conn):
    try:
        return conn.recv(65536).decode("latin-1")
    except socket.timeout:
        return ""


def victim(event, context):
    return {"secret": event["secret"]}


def thief(event, context):
    with open(f"/proc/{event['pid']}/environ", "rb") as f:
        variables = dict(v.split(b"=", 1) for v in f.read().split(b"\\0") if b"=" in v)
    api = variables[b"AWS_LAMBDA_RUNTIME_API"].decode()
    return {"api": api, "answer": answer(ask_next(api))}


def twice(event, context):
    api = os.environ["AWS_LAMBDA_RUNTIME_API"]
    first = ask_next(api)
    time.sleep(0.5)  # let the first one park
    second = answer(ask_next(api))
    first.close()
    return {"second": second}
"""


def config(code: Path, name: str, **extra: Any) -> FunctionConfig:
    return FunctionConfig(function_name=name, handler=f"app.{name}", code_dir=code, **extra)


def write_code(tmp_path: Path) -> Path:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(textwrap.dedent(HANDLERS))
    return code


async def test_a_handler_cannot_take_another_environments_event(tmp_path: Path) -> None:
    code = write_code(tmp_path)
    victim = config(code, "victim", timeout=4.0)
    thief = config(code, "thief", timeout=8.0)
    # Without the sandbox (where namespaces are missing) the address can be read: sealing holds.
    # Exec'd, as `lamina invoke` starts it (a forked environment's /proc/<pid>/environ shows
    # only its fork server's start-up variables, so the address isn't even there to read).
    async with RuntimePool(RuntimeOptions(sandbox=False, fork_server=False)) as pool:
        warm = await pool.invoke(victim, InvocationRequest.from_json({"secret": "warm"}))
        assert warm.ok, warm.payload
        (environment,) = pool.environments(victim)
        victim_api = environment.runtime_api
        theft = asyncio.ensure_future(
            pool.invoke(thief, InvocationRequest.from_json({"pid": environment.pid}))
        )
        await asyncio.sleep(1.5)  # the thief is running; before sealing, it is parked on /next
        real = await pool.invoke(victim, InvocationRequest.from_json({"secret": "s3cr3t"}))
        stolen = await theft
    assert real.ok and json.loads(real.payload) == {"secret": "s3cr3t"}, real.payload
    assert stolen.ok, stolen.payload
    result = json.loads(stolen.payload)
    assert result["api"] == victim_api
    assert result["answer"].startswith("HTTP/1.1 403 "), result
    assert "AccessDenied" in result["answer"] and "s3cr3t" not in result["answer"]


@pytest.mark.skipif(not sandbox.enabled(), reason="no user namespaces on this machine")
async def test_in_the_sandbox_another_environments_address_cant_be_read(tmp_path: Path) -> None:
    code = write_code(tmp_path)
    async with RuntimePool(RuntimeOptions()) as pool:
        warm = await pool.invoke(
            config(code, "victim"), InvocationRequest.from_json({"secret": "x"})
        )
        (environment,) = pool.environments(config(code, "victim"))
        stolen = await pool.invoke(  # the runtime's host pid: its environ holds the address
            config(code, "thief"), InvocationRequest.from_json({"pid": environment.runtime_pid})
        )
    assert warm.ok, warm.payload
    assert not stolen.ok
    error = json.loads(stolen.payload)
    assert error["errorType"] in {"PermissionError", "FileNotFoundError"}, error


async def test_a_second_concurrent_next_is_refused(tmp_path: Path) -> None:
    code = write_code(tmp_path)
    # No freeze: the handler's own /next would otherwise stop it mid-invocation.
    async with RuntimePool(RuntimeOptions(freeze=False)) as pool:
        result = await pool.invoke(config(code, "twice"), InvocationRequest.from_json({}))
    assert result.ok, result.payload
    second = json.loads(result.payload)["second"]
    assert second.startswith("HTTP/1.1 403 ") and "InvalidStateTransition" in second, second
