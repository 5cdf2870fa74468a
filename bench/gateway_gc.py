"""`lamina api` with its start-up heap frozen (gc.freeze(), the default) and without
(LAMINA_GC_FREEZE=0), in alternating runs: the tail (p99, p99.9, max) of one keep-alive client,
and the CPU time per request of the gateway process alone and with its environments.

    .venv/bin/python bench/gateway_gc.py            # 6 runs each, 3,000 requests a run
    .venv/bin/python bench/gateway_gc.py --runs 2 --count 1000

The two take turns (frozen, unfrozen, frozen, ...) so the machine's load falls on both; the
figures are medians over runs. Wall-time tails on a loaded machine are noisy: read them beside
the CPU figures and the run count.
"""

from __future__ import annotations

import argparse
import os
import shutil
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
            env = {**base, "LAMINA_GC_FREEZE": "1" if name == "frozen" else "0"}
            port = free_port()
            command = [sys.executable, "-m", "lamina", "api", "--port", str(port)]
            server = Server(f"lamina-{name}", command, app, port, env)
            try:
                measure(port, 1, 200)  # warm
                pids = process_tree(server.proc.pid)
                gateway_before, all_before = cpu_seconds(pids[:1]), cpu_seconds(pids)
                latencies, rps = measure(port, 1, args.count)
                done = args.count + 50  # measure() warms with 50 more
                stats = results[name]
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
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.runs} runs each, {args.count} requests a run, load average {load:.1f}")
    print(f"{'':16}{'frozen':>10}{'unfrozen':>10}{'ratio':>8}")
    for key in results["frozen"]:
        frozen = statistics.median(results["frozen"][key])
        unfrozen = statistics.median(results["unfrozen"][key])
        print(f"{key:16}{frozen:10.3f}{unfrozen:10.3f}{frozen / unfrozen:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
