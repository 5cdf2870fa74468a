"""`lamina api`'s CPU per request from two source trees, alternately in one run.

    .venv/bin/python bench/gateway_cpu_ab.py OLD_CHECKOUT NEW_CHECKOUT [--rounds 16]
        [--requests 600] [--clients 1]

A checkout is any folder holding Lamina's `server/` (a second worktree, or
`git archive REV server | tar -x -C DIR`). Both run at once on this .venv's Python with
`PYTHONPATH=<checkout>/server` (checked: each one's `lamina` must import from its own tree, or
the editable install would quietly serve both, an A/A run), each on its own copy of
bench/gateway.py's app. The client's bursts (`GET /hello`, keep-alive) go to one then the other,
the order swapped every round so that load drifts fall on both. Printed per round and as
medians: the `lamina api` process's CPU per request (its threads' /proc schedstat), its
environments', the p50, and the per-round new/old ratio of the process's CPU, whose median is the
figure to quote (an A/A run gives 0.96-1.01 at load 4-5; smaller effects are not seen).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gateway import HANDLER, TEMPLATE, free_port, percentile, process_tree, wait_for_answer
from gateway_layers import burst, schedstat_ns


def tree_of(checkout: Path) -> str:
    """The checkout's server/ folder, after checking that Python imports lamina from it."""
    tree = (checkout / "server").resolve()
    found = subprocess.run(
        [sys.executable, "-c", "import lamina; print(lamina.__file__)"],
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(tree):
        raise SystemExit(f"{checkout}: lamina imports from {found}, not from {tree}")
    return str(tree)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--requests", type=int, default=600, help="per side per round")
    parser.add_argument("--clients", type=int, default=1)
    args = parser.parse_args()
    trees = {"old": tree_of(args.old), "new": tree_of(args.new)}
    work = Path(tempfile.mkdtemp(prefix="lamina-bench-ab-"))
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    rows: dict[str, list[tuple[float, float, float]]] = {"old": [], "new": []}
    try:
        for side, tree in trees.items():
            app = work / side
            app.mkdir()
            (app / "handler.py").write_text(HANDLER)
            (app / "template.yaml").write_text(TEMPLATE)
            port = free_port()
            log = open(work / f"{side}.log", "wb")  # noqa: SIM115 - the process keeps it
            proc = subprocess.Popen(
                [sys.executable, "-m", "lamina", "api", "--port", str(port)],
                cwd=app,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**base, "PYTHONPATH": tree},
                start_new_session=True,
            )
            servers[side] = (proc, port)
            wait_for_answer(port, proc, time.perf_counter())
            burst(port, 300, args.clients)  # warm
        for round_no in range(args.rounds):
            cells = []
            for side in ("old", "new") if round_no % 2 == 0 else ("new", "old"):
                proc, port = servers[side]
                children = [pid for pid in process_tree(proc.pid) if pid != proc.pid]
                own, envs = schedstat_ns(proc.pid), sum(map(schedstat_ns, children))
                latencies = burst(port, args.requests, args.clients)
                done = len(latencies)
                cpu = (schedstat_ns(proc.pid) - own) / done / 1e3
                env_cpu = (sum(map(schedstat_ns, children)) - envs) / done / 1e3
                rows[side].append((cpu, env_cpu, percentile(latencies, 0.5) * 1e6))
                cells.append(f"{side} {cpu:6.1f} µs, environments {env_cpu:5.1f} µs")
            print(f"round {round_no + 1}: " + " | ".join(cells), flush=True)
    finally:
        for proc, _ in servers.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nmedians of {args.rounds} rounds of {args.requests} requests; load average {load}")
    for index, label in enumerate(
        ("lamina api CPU per request (µs)", "environments' (µs)", "p50 (µs)")
    ):
        old = statistics.median(row[index] for row in rows["old"])
        new = statistics.median(row[index] for row in rows["new"])
        print(f"{label:34}old {old:8.1f}  new {new:8.1f}  new / old {new / old if old else 0:.3f}")
    ratios = [n[0] / o[0] for o, n in zip(rows["old"], rows["new"], strict=True) if o[0]]
    print(f"new / old CPU by round: median {statistics.median(ratios):.3f} "
          f"({', '.join(f'{r:.2f}' for r in ratios)})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
