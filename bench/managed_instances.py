"""Lambda Managed Instances against on-demand, measured in the same run.

    .venv/bin/python bench/managed_instances.py            # 5 rounds
    .venv/bin/python bench/managed_instances.py --rounds 9

The same handler, run 4 invocations at a time: as a Managed Instances function (one environment
of 4 workers, PerExecutionEnvironmentMaxConcurrency 4) and as an on-demand one (4 environments).
Per round, alternately: the cold batch (a fresh pool: spawn, init, 4 answers) and 10 warm batches.
Prints the medians (ms) and the ratio managed / on-demand, and the load average. The handler
sleeps 50 ms, so the batches overlap as real concurrent work would.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

HANDLER = "import time\ndef handler(event, context):\n    time.sleep(0.05)\n    return 1\n"
BATCH = 4
WARM_BATCHES = 10


async def batch(pool: RuntimePool, config: FunctionConfig) -> float:
    started = time.perf_counter()
    results = await asyncio.gather(
        *(pool.invoke(config, InvocationRequest()) for _ in range(BATCH))
    )
    elapsed = (time.perf_counter() - started) * 1000
    for result in results:
        if not result.ok:
            raise SystemExit(f"an invoke failed: {result.payload!r}\n{result.logs[-2000:]}")
    return elapsed


async def one_round(config: FunctionConfig) -> tuple[float, float]:
    async with RuntimePool(RuntimeOptions(max_concurrency=BATCH)) as pool:
        cold = await batch(pool, config)
        warm = [await batch(pool, config) for _ in range(WARM_BATCHES)]
    return cold, statistics.median(warm)


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        code = Path(folder)
        (code / "app.py").write_text(HANDLER)
        on_demand = FunctionConfig("bench", "app.handler", code, timeout=10.0)
        managed = FunctionConfig(
            "bench-managed", "app.handler", code, timeout=10.0, managed_concurrency=BATCH
        )
        figures: dict[str, list[tuple[float, float]]] = {"managed": [], "on-demand": []}
        for _ in range(rounds):  # alternately, so that machine load hits both
            figures["managed"].append(await one_round(managed))
            figures["on-demand"].append(await one_round(on_demand))
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; {rounds} rounds")
    print(f"{'':12}{'cold batch of 4 (ms)':>22}{'warm batch of 4 (ms)':>22}")
    medians = {}
    for name, pairs in figures.items():
        cold = statistics.median(p[0] for p in pairs)
        warm = statistics.median(p[1] for p in pairs)
        medians[name] = (cold, warm)
        print(f"{name:12}{cold:>22.1f}{warm:>22.1f}")
    ratio_cold = medians["managed"][0] / medians["on-demand"][0]
    ratio_warm = medians["managed"][1] / medians["on-demand"][1]
    print(f"{'ratio':12}{ratio_cold:>22.2f}{ratio_warm:>22.2f}  (managed / on-demand)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args().rounds))
