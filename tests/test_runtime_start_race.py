"""An environment's start can take seconds when it installs the runtime's package set first (a
fresh cache). What comes meanwhile must not hang: a run that took the starting environment (a
prewarm's), and a kill (retire, close, an init timeout) that comes before its child runs.

Real environments with a fresh package-set cache. The install is held back by taking the package
set's install lock, as another thread installing the same set at the same time would.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lamina.runtime import package_set
from lamina.runtime.config import RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

HANDLER = "def handler(event, context):\n    return {'done': True}\n"
# Generous: a fresh install is seconds; the old bug waited forever.
NO_HANG_S = 240


async def until(condition: Callable[[], Any]) -> Any:
    while not (value := condition()):
        await asyncio.sleep(0.01)
    return value


async def finishes(awaitable: Any, what: str) -> Any:
    try:
        return await asyncio.wait_for(awaitable, NO_HANG_S)
    except asyncio.TimeoutError:
        pytest.fail(f"{what} never finished: the hang is back")


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("LAMINA_CACHE_DIR", str(cache))
    return cache


async def test_a_run_on_a_prewarm_still_installing_packages_is_not_timed_out(
    write_function: Any, fresh_cache: Path
) -> None:
    config = write_function(HANDLER)
    options = RuntimeOptions(init_timeout=0.5)
    async with RuntimePool(options) as pool:
        package_set._lock.acquire()
        try:
            prewarm = asyncio.create_task(pool.prewarm(config))
            await until(lambda: pool.environments(config))
            run = asyncio.create_task(pool.invoke(config, InvocationRequest.from_json({})))
            # Longer than the init limit, all of it before the child even starts.
            await asyncio.sleep(options.init_timeout * 3)
            assert not run.done(), run.result().payload
        finally:
            package_set._lock.release()
        result = await finishes(run, "the run")
        await finishes(prewarm, "the prewarm")
        assert result.ok, result.payload
        assert json.loads(result.payload) == {"done": True}
        # The run took the prewarmed environment: no second one.
        assert len(pool.environments(config)) == 1


async def test_an_environment_stopped_while_it_starts_ends_and_leaves_no_child(
    write_function: Any, fresh_cache: Path
) -> None:
    config = write_function(HANDLER)
    pool = RuntimePool()
    package_set._lock.acquire()
    try:
        prewarm = asyncio.create_task(pool.prewarm(config))
        [env] = await until(lambda: pool.environments(config))
        closing = asyncio.create_task(pool.close())
        await asyncio.sleep(0.2)  # the close is under way while the start still installs
    finally:
        package_set._lock.release()
    await finishes(closing, "closing the pool")
    await finishes(prewarm, "the prewarm")  # stopped: no error for a prewarm nobody awaits
    assert env.pid is None  # its child never started, so nothing is left frozen behind
    assert pool.environments() == []


async def test_a_run_whose_environment_is_retired_while_it_starts_still_runs(
    write_function: Any, fresh_cache: Path
) -> None:
    """A changed config retires the prewarm's environment during its start: the run that
    retired it gets a fresh environment and its answer."""
    config = write_function(HANDLER)
    changed = write_function(HANDLER, environment=(("STAGE", "new"),))
    async with RuntimePool() as pool:
        package_set._lock.acquire()
        try:
            prewarm = asyncio.create_task(pool.prewarm(config))
            [old] = await until(lambda: pool.environments(config))
            run = asyncio.create_task(pool.invoke(changed, InvocationRequest.from_json({})))
            await until(lambda: old.retired)
        finally:
            package_set._lock.release()
        result = await finishes(run, "the run")
        await finishes(prewarm, "the prewarm")
        assert result.ok, result.payload
        assert old.pid is None
        assert [env.config for env in pool.environments()] == [changed]
