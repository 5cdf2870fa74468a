"""What fidelity costs: the sandbox (namespaces, runtime/sandbox.py) and the package set, measured
against the same pool without them and against a bare pipe worker, in one run, interleaved.

    .venv/bin/python bench/fidelity.py            # 15 cold starts and 300 warm invokes each
    .venv/bin/python bench/fidelity.py --quick

Cold start: spawn to the first result of a trivial handler, through the runtime pool (a fresh pool
each time), forked from the fork server (runtime/fork_server.py) and, for comparison, exec'd. Warm: p50 and p99 of invokes on one warm environment. The pipe worker is the same
peer bench/runtime.py uses. Prints medians and ratios; never fails on a slow number.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lamina.runtime import sandbox
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

HANDLER = 'def handler(event, context):\n    return {"ok": True}\n'
PIPE_WORKER = (
    "import json, sys\nfrom app import handler\nfor line in sys.stdin:\n"
    "    sys.stdout.write(json.dumps(handler(json.loads(line), None)) + '\\n')\n"
    "    sys.stdout.flush()\n"
)


def pipe_worker_cold(code: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", PIPE_WORKER],
        cwd=code,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write(b"{}\n")
    proc.stdin.flush()
    proc.stdout.readline()
    elapsed = time.perf_counter() - started
    proc.stdin.close()
    proc.wait()
    return elapsed * 1000


async def pool_cold(config: FunctionConfig, isolated: bool, forked: bool = True) -> float:
    started = time.perf_counter()
    async with RuntimePool(RuntimeOptions(sandbox=isolated, fork_server=forked)) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
        elapsed = time.perf_counter() - started
    assert result.ok, result.payload
    return elapsed * 1000


async def pool_warm(config: FunctionConfig, isolated: bool, count: int) -> list[float]:
    async with RuntimePool(RuntimeOptions(sandbox=isolated)) as pool:
        await pool.invoke(config, InvocationRequest.from_json({}))
        times = []
        for _ in range(count):
            started = time.perf_counter()
            result = await pool.invoke(config, InvocationRequest.from_json({}))
            times.append((time.perf_counter() - started) * 1000)
            assert result.ok
    return times


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    colds, warms = (5, 100) if args.quick else (15, 300)
    code = Path(tempfile.mkdtemp(prefix="lamina-bench-fidelity-"))
    (code / "app.py").write_text(HANDLER)
    config = FunctionConfig(function_name="bench", handler="app.handler", code_dir=code)
    print(f"sandbox available here: {sandbox.available()}")
    for isolated in (True, False):  # the package set once, and the fork servers started
        for _ in range(3):
            await pool_cold(config, isolated)
            await asyncio.sleep(0.2)
    cold: dict[str, list[float]] = {
        "pipe worker": [],
        "sandbox on": [],
        "sandbox off": [],
        "on, exec": [],
        "off, exec": [],
    }
    for _ in range(colds):  # interleaved, so machine load hits all alike
        cold["pipe worker"].append(pipe_worker_cold(code))
        cold["sandbox on"].append(await pool_cold(config, True))
        cold["sandbox off"].append(await pool_cold(config, False))
        cold["on, exec"].append(await pool_cold(config, True, forked=False))
        cold["off, exec"].append(await pool_cold(config, False, forked=False))

    warm = {"sandbox on": [], "sandbox off": []}  # type: dict[str, list[float]]
    for _ in range(3):
        for name, isolated in (("sandbox on", True), ("sandbox off", False)):
            warm[name] += await pool_warm(config, isolated, warms // 3)
    base = statistics.median(cold["pipe worker"])
    print(
        f"\n== cold start, spawn to first result ({colds} each; forked from the fork server "
        f"unless 'exec'; load average {os.getloadavg()[0]:.1f})"
    )
    for name, values in cold.items():
        median = statistics.median(values)
        print(f"{name:12}  median {median:7.1f} ms   vs pipe worker {median / base:5.2f}x")
    print(f"\n== warm invoke ({warms} each)")
    off = statistics.median(warm["sandbox off"])
    for name, values in warm.items():
        median = statistics.median(values)
        print(
            f"{name:12}  p50 {median:6.3f} ms   p99 {p(values, 0.99):6.3f} ms"
            f"   vs sandbox off {median / off:5.2f}x"
        )


if __name__ == "__main__":
    asyncio.run(main())
