"""Provisioned concurrency in the runtime pool, with real child processes: N environments
initialised ahead, never reaped for being idle, invoked without an Init Duration and with
AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency; unprovisioned, they are reaped again."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from lamina.runtime.config import RuntimeOptions
from lamina.runtime.environment import EnvironmentState
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

# ENV names the environment (in the sandbox every runtime is pid 2 of its own namespace).
TYPE = """
import os
ENV = os.urandom(8).hex()
def handler(event, context):
    return {"type": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"], "env": ENV}
"""


async def test_provisioned_environments(write_function: Any) -> None:
    config = write_function(TYPE)
    async with RuntimePool(RuntimeOptions(idle_timeout=0.2)) as pool:
        assert await pool.provision(config, 2) == 2
        envs = pool.environments(config)
        assert len(envs) == 2 and {e.state for e in envs} == {EnvironmentState.READY}
        await pool.reap_idle()  # nothing idle yet, and provisioned ones are exempt anyway
        await asyncio.sleep(0.5)  # well past the idle timeout
        assert await pool.reap_idle() == 0
        results = await asyncio.gather(
            *(pool.invoke(config, InvocationRequest.from_json({})) for _ in range(2))
        )
        answers = [json.loads(r.payload) for r in results]
        assert {a["type"] for a in answers} == {"provisioned-concurrency"}
        assert len({a["env"] for a in answers}) == 2  # both served at once, no third one
        assert pool.environments(config) == envs
        assert all(not r.cold and "Init Duration" not in r.logs for r in results)
        assert await pool.provision(config, 2) == 2  # idempotent: no new environment
        assert pool.environments(config) == envs

        pool.unprovision(config.function_name, config.version)
        # Ordinary environments again: reaped once idle (by the pool's reaper, or here).
        for _ in range(50):
            await asyncio.sleep(0.1)
            await pool.reap_idle()
            if not pool.environments(config):
                break
        assert pool.environments(config) == []


async def test_on_demand_environments_say_so(write_function: Any) -> None:
    config = write_function(TYPE)
    async with RuntimePool() as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    assert json.loads(result.payload)["type"] == "on-demand" and result.cold
