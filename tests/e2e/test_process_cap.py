"""Lambda's cap of 1,024 processes and threads per environment: a fork bomb in a handler stops
at the cap (a fork beyond it fails, as on Lambda), and when the environment ends every process
it started is gone, `setsid` children included. Where no pids cgroup is writable, Lamina says
once that the cap is off, and this test checks that instead."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from process_table import wait_gone

from lamina.runtime import process_limits
from lamina.runtime.config import RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

FORK_BOMB = """
import json, os, subprocess, sys, time

def handler(event, context):
    daemon = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True
    )
    children = []
    error = None
    while len(children) < 2000:
        try:
            pid = os.fork()
        except OSError as e:
            error = e.strerror
            break
        if pid == 0:
            time.sleep(300)
            os._exit(0)
        children.append(pid)
    return {"forked": len(children), "error": error, "pids": children + [daemon.pid]}
"""


async def test_a_fork_bomb_stops_at_the_cap_and_ends_with_the_environment(
    write_function: Any, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_function(FORK_BOMB, timeout=120.0)  # a thousand forks on a busy machine
    caplog.set_level(logging.INFO, logger=process_limits.__name__)
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
        assert result.ok, result.payload
        outcome = json.loads(result.payload)
    capped = [r for r in caplog.records if "processes per environment is off" in r.message]
    if capped:
        assert len(capped) == 1
        print(f"cap off on this machine: {capped[0].message}; forked {outcome['forked']}")
    else:
        # The runtime, its threads and the setsid child count too.
        assert 1000 < outcome["forked"] < process_limits.MAX_PROCESSES, outcome["forked"]
        assert outcome["error"] == os.strerror(11), outcome["error"]  # EAGAIN, as on Lambda
        print(f"fork bomb: {outcome['forked']} forks, then {outcome['error']}")
    assert wait_gone(outcome["pids"], 30) == []
    leftovers = [p for p in Path("/sys/fs/cgroup/pids").glob(f"lamina-{os.getpid()}-*")]
    assert leftovers == []
