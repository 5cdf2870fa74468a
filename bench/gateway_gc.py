"""Does the garbage collector cost `lamina api` its tail? The collector's passes timed inside
`lamina api` while one keep-alive client sends requests, with its start-up heap frozen
(gc.freeze()) and without, in alternating runs; beside them the tail (p99, p99.9, max) and the
CPU time per request of the gateway process alone and with its environments.

    .venv/bin/python bench/gateway_gc.py            # 6 runs each, 3,000 requests a run
    .venv/bin/python bench/gateway_gc.py --runs 2 --count 1000

`lamina api` runs under a small wrapper (WRAPPER) that times every collection (gc.callbacks);
SIGUSR1, sent once the server is warm, starts the count and, in the frozen runs, calls
gc.collect() and gc.freeze() first. The two take turns so the machine's load falls on both;
medians over runs. Found on 2026-12-07: no collection at all during the measured requests in
either variant (all ~100 happen at start-up: the request path leaves no cyclic garbage), so
gc.freeze() can't help the tail and lamina api doesn't call it; the tail differences printed
are the machine's noise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
from pathlib import Path

from gateway import (
    HANDLER,
    TEMPLATE,
    Server,
    cpu_seconds,
    free_port,
    measure,
    percentile,
    process_tree,
)

# Runs `python -m lamina ...`, timing the collector's passes from SIGUSR1 on.
WRAPPER = """
import atexit, gc, json, os, runpy, signal, sys, time
pauses, started = [], [0.0]
def timed(phase, info):
    if phase == "start":
        started[0] = time.perf_counter()
    else:
        pauses.append((info["generation"], time.perf_counter() - started[0]))
gc.callbacks.append(timed)
def measured(*_):
    if os.environ.get("LAMINA_BENCH_FREEZE") == "1":
        gc.collect()
        gc.freeze()
    pauses.clear()
signal.signal(signal.SIGUSR1, measured)
def write():
    with open(os.environ["LAMINA_BENCH_GC_OUT"], "w") as out:
        json.dump({"pauses": pauses, "frozen": gc.get_freeze_count(), "stats": gc.get_stats()}, out)
atexit.register(write)
sys.argv = ["lamina", *sys.argv[1:]]
runpy.run_module("lamina", run_name="__main__", alter_sys=True)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--count", type=int, default=3000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lamina-bench-gc-"))
    app = work / "app"
    app.mkdir()
    (app / "handler.py").write_text(HANDLER)
    (app / "template.yaml").write_text(TEMPLATE)
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    results: dict[str, dict[str, list[float]]] = {"frozen": {}, "unfrozen": {}}
    try:
        for run in range(args.runs * 2):
            name = "frozen" if run % 2 == 0 else "unfrozen"
            env = {**base, "LAMINA_BENCH_FREEZE": "1" if name == "frozen" else "0"}
            port = free_port()
            gc_out = work / f"gc-{run}.json"
            env["LAMINA_BENCH_GC_OUT"] = str(gc_out)
            command = [sys.executable, "-c", WRAPPER, "api", "--port", str(port)]
            server = Server(f"lamina-{name}", command, app, port, env)
            stats = results[name]
            try:
                measure(port, 1, 200)  # warm
                os.kill(server.proc.pid, signal.SIGUSR1)  # count collections from here
                pids = process_tree(server.proc.pid)
                gateway_before, all_before = cpu_seconds(pids[:1]), cpu_seconds(pids)
                latencies, rps = measure(port, 1, args.count)
                done = args.count + 50  # measure() warms with 50 more
                stats.setdefault("gateway_cpu_us", []).append(
                    (cpu_seconds(pids[:1]) - gateway_before) / done * 1e6
                )
                stats.setdefault("all_cpu_us", []).append(
                    (cpu_seconds(pids) - all_before) / done * 1e6
                )
                for label, q in (("p50_ms", 0.5), ("p99_ms", 0.99), ("p999_ms", 0.999)):
                    stats.setdefault(label, []).append(percentile(latencies, q) * 1000)
                stats.setdefault("max_ms", []).append(max(latencies) * 1000)
                stats.setdefault("rps", []).append(rps)
            finally:
                server.stop()
            gc_stats = json.loads(gc_out.read_text())
            pauses = gc_stats["pauses"]
            oldest = [seconds for generation, seconds in pauses if generation == 2]
            stats.setdefault("gc_ms_per_1k", []).append(
                sum(seconds for _, seconds in pauses) * 1000 / done * 1000
            )
            stats.setdefault("gc_full_count", []).append(len(oldest))
            stats.setdefault("gc_full_max_ms", []).append(max(oldest, default=0.0) * 1000)
            stats.setdefault("gc_max_ms", []).append(max((s for _, s in pauses), default=0) * 1000)
            stats.setdefault("frozen_objects", []).append(gc_stats["frozen"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.runs} runs each, {args.count} requests a run, load average {load:.1f}")
    print(f"{'':16}{'frozen':>10}{'unfrozen':>10}{'ratio':>8}")
    for key in results["frozen"]:
        frozen = statistics.median(results["frozen"][key])
        unfrozen = statistics.median(results["unfrozen"][key])
        ratio = f"{frozen / unfrozen:8.2f}" if unfrozen else f"{'-':>8}"
        print(f"{key:16}{frozen:10.3f}{unfrozen:10.3f}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
