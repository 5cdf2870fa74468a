"""CPU per warm runtime-pool invoke, parent and environment, two source trees alternately in one run.

    .venv/bin/python bench/runtime_cpu_ab.py OLD_SERVER_DIR NEW_SERVER_DIR [--rounds 8]
        [--invokes 1500]

Each SERVER_DIR is a checkout's `server/` (e.g. a `git archive` of an older commit): it goes first
on PYTHONPATH of a fresh process that runs a trivial handler on a RuntimePool (Lamina's bootstrap,
uvloop), warms it, then times 3 × `--invokes` warm invokes: the parent's CPU from
`time.process_time()`, the environment's (its whole process tree) from /proc schedstat. The two
trees alternate for `--rounds` rounds; each round's medians and the overall medians are printed,
with the load average. CPU moves less with load than a latency does, but still moves: only
differences well past the spread between rounds mean anything.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import asyncio, json, os, statistics, sys, tempfile, time
from pathlib import Path
import psutil, uvloop
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

def tree_cpu_us(pid):
    total = 0
    for proc in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
        for task in os.listdir(f"/proc/{proc.pid}/task"):
            with open(f"/proc/{proc.pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
    return total / 1000

async def main(n):
    root = Path(tempfile.mkdtemp(prefix="lamina-cpu-ab-"))
    (root / "app.py").write_text('def handler(event, context):\n    return {"ok": True}\n')
    config = FunctionConfig(
        function_name="bench", handler="app.handler", code_dir=root, timeout=30.0, memory_size=256
    )
    async with RuntimePool(RuntimeOptions(runtime_client="lamina")) as pool:
        for _ in range(300):
            result = await pool.invoke(config, InvocationRequest(payload=b"{}"))
            assert result.ok, result.payload
        pid = next(iter(pool.environments(config))).pid
        rows = []
        for _ in range(3):
            child0, parent0 = tree_cpu_us(pid), time.process_time()
            for _ in range(n):
                result = await pool.invoke(config, InvocationRequest(payload=b"{}"))
            parent1, child1 = time.process_time(), tree_cpu_us(pid)
            assert result.ok and json.loads(result.payload) == {"ok": True}, result.payload
            rows.append(((parent1 - parent0) * 1e6 / n, (child1 - child0) / n))
        print(json.dumps([statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)]))

uvloop.run(main(int(sys.argv[1])))
"""


def one_round(server: str, invokes: int) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=server)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(invokes)], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{server}: {done.stderr[-2000:]}")
    parent, child = json.loads(done.stdout.strip().splitlines()[-1])
    return parent, child


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--invokes", type=int, default=1500)
    args = parser.parse_args()
    trees = {"old": args.old, "new": args.new}
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    for i in range(args.rounds):
        for name in ("old", "new") if i % 2 == 0 else ("new", "old"):
            parent, child = one_round(trees[name], args.invokes)
            figures[name].append((parent, child))
            load = os.getloadavg()[0]
            print(f"{name}: parent {parent:.0f} µs, environment {child:.0f} µs (load {load:.1f})")
    for name, rows in figures.items():
        parent = statistics.median(r[0] for r in rows)
        child = statistics.median(r[1] for r in rows)
        print(f"median {name}: parent {parent:.0f} µs, environment {child:.0f} µs per invoke")


if __name__ == "__main__":
    main()
