"""Lamina's runtime benchmark: Lamina and its peers, measured in the same run.

    .venv/bin/python bench/runtime.py            # the full run (~15-20 s on 2 cores)
    .venv/bin/python bench/runtime.py --quick    # a CI smoke run (~6 s)
    .venv/bin/python bench/runtime.py --json out.json

What it measures (all with time.perf_counter, on a trivial handler written to a temp dir):

1. Warm invoke latency through the runtime pool (p50, p99), for both runtime clients.
2. python-lambda-local on the same handler: its `call()` API and its CLI as a whole process.
3. Cold start (spawn to first response) versus a minimal pipe worker written here.
4. `lamina invoke` as a whole process versus python-lambda-local's CLI.
5. The RSS of a warm environment versus a child that only imports the handler.

Lamina and the peers are interleaved so that machine load hits both. A slow number never fails the
run: it is reported as "not met". The exit status is 1 only when something could not be measured
(an invoke failed, a process hung or returned the wrong thing): see the anomalies at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import io
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from runtime_common import (
    CLIENTS,
    DUMMY_CREDENTIALS,
    Bench,
    Plan,
    fmt_mb,
    fmt_ms,
    fmt_ratio,
    function_config,
    median,
    ratio,
    run_cli,
    section,
    table,
    verdict,
    write_handler,
)
from runtime_pool import bench_cold, bench_memory, bench_warm

from lamina.runtime.config import RuntimeOptions
from lamina.runtime.pool import RuntimePool

# --- 4: CLI as a whole process -------------------------------------------------------------------


def find_script(name: str) -> str | None:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


def bench_cli(bench: Bench) -> None:
    section("4. CLI as a whole process (python-lambda-local's CLI also feeds 2.)")
    env = dict(os.environ, **DUMMY_CREDENTIALS)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        env.pop(name, None)
    contestants: dict[str, tuple[list[str], bytes]] = {}
    lamina_script = find_script("lamina")
    lamina_args = ["invoke", "app.py:handler", "--event", "event.json"]
    if lamina_script:
        contestants["lamina (console script)"] = ([lamina_script, *lamina_args], b'{"ok": true}')
    else:
        bench.anomaly("the lamina console script was not found")
    contestants["python -m lamina"] = (
        [sys.executable, "-m", "lamina", *lamina_args],
        b'{"ok": true}',
    )
    pll_script = find_script("python-lambda-local")
    if pll_script:
        contestants["python-lambda-local CLI"] = (
            [pll_script, "-f", "handler", "-t", "30", "app.py", "event.json"],
            b"{'ok': True}",
        )
    else:
        bench.anomaly("the python-lambda-local console script was not found")
    samples: dict[str, list[float]] = {name: [] for name in contestants}
    names = list(contestants)
    for i in range(bench.plan.cli):
        k = i % len(names)
        for name in names[k:] + names[:k]:
            argv, expect = contestants[name]
            ms = run_cli(bench, name, argv, env, expect)
            if ms is not None:
                samples[name].append(ms)
    pll = median(samples.get("python-lambda-local CLI", []))
    cli: dict[str, Any] = {}
    rows = []
    for name, xs in samples.items():
        m = median(xs)
        cli[name] = {
            "n": len(xs),
            "median_ms": m,
            "min_ms": min(xs) if xs else None,
            "ratio_vs_pll_cli": ratio(m, pll),
        }
        rows.append(
            [
                name,
                str(len(xs)),
                fmt_ms(m),
                fmt_ms(cli[name]["min_ms"]),
                fmt_ratio(cli[name]["ratio_vs_pll_cli"]),
            ]
        )
    print(table(["", "n", "median", "min", "vs PLL CLI"], rows))
    print("  goal: lamina (console script) / python-lambda-local CLI <= 0.6x")
    bench.numbers["cli"] = cli


# --- the run --------------------------------------------------------------------------------------


async def bench_runtime(bench: Bench) -> None:
    config = function_config(bench.root)
    async with (
        RuntimePool(RuntimeOptions(runtime_client="lamina")) as lamina_pool,
        RuntimePool(RuntimeOptions(runtime_client="awslambdaric")) as ric_pool,
    ):
        pools = {"lamina": lamina_pool, "awslambdaric": ric_pool}
        for step in (bench_warm, bench_cold, bench_memory):
            try:
                await step(bench, pools, config)
            except Exception as e:  # report and go on with the next measurement
                traceback.print_exc()
                bench.anomaly(f"{step.__name__} aborted: {type(e).__name__}: {e}")


def summary(bench: Bench) -> list[dict[str, Any]]:
    n = bench.numbers
    warm = n.get("warm", {})
    cold = n.get("cold", {})
    cli = n.get("cli", {})
    mem = n.get("memory", {})
    pll_call = n.get("pll_call", {}).get("median_ms")
    pll_cli = cli.get("python-lambda-local CLI", {}).get("median_ms")
    pipe = cold.get("pipe_worker", {}).get("median_ms")
    rows: list[dict[str, Any]] = []

    def row(metric: str, lamina: str, peer: str, rat: str, goal: str, met: str, **raw: Any) -> None:
        rows.append(
            {
                "metric": metric,
                "lamina": lamina,
                "peer": peer,
                "ratio": rat,
                "goal": goal,
                "met": met,
                **raw,
            }
        )

    for client in CLIENTS:
        w = warm.get(client, {})
        p50, p99 = w.get("p50_ms"), w.get("p99_ms")
        row(
            f"warm p50 ({client} client)",
            fmt_ms(p50),
            "-",
            "-",
            "<= 1 ms",
            verdict(p50, 1.0),
            value=p50,
        )
        row(
            f"warm p99 ({client} client)",
            fmt_ms(p99),
            "-",
            "-",
            "<= 3 ms",
            verdict(p99, 3.0),
            value=p99,
        )
    p50 = warm.get("lamina", {}).get("p50_ms")
    row(
        "warm p50 vs PLL call()",
        fmt_ms(p50),
        fmt_ms(pll_call),
        fmt_ratio(ratio(p50, pll_call)),
        "-",
        "info",
    )
    row(
        "warm p50 vs PLL CLI",
        fmt_ms(p50),
        fmt_ms(pll_cli),
        fmt_ratio(ratio(p50, pll_cli)),
        "-",
        "info",
    )
    for client in CLIENTS:
        c = cold.get(client, {})
        r = c.get("ratio_vs_pipe")
        row(
            f"cold start ({client}) vs pipe worker",
            fmt_ms(c.get("median_ms")),
            fmt_ms(pipe),
            fmt_ratio(r),
            "<= 1.5x",
            verdict(r, 1.5),
            value=r,
        )
        row(
            f"  Init Duration ({client})",
            fmt_ms(c.get("init_duration_median_ms")),
            "-",
            "-",
            "-",
            "info",
        )
    script = cli.get("lamina (console script)", {})
    module = cli.get("python -m lamina", {})
    r = script.get("ratio_vs_pll_cli")
    row(
        "lamina invoke vs PLL CLI",
        fmt_ms(script.get("median_ms")),
        fmt_ms(pll_cli),
        fmt_ratio(r),
        "<= 0.6x",
        verdict(r, 0.6),
        value=r,
    )
    row(
        "python -m lamina invoke vs PLL CLI",
        fmt_ms(module.get("median_ms")),
        fmt_ms(pll_cli),
        fmt_ratio(module.get("ratio_vs_pll_cli")),
        "-",
        "info",
    )
    for client in CLIENTS:
        m = mem.get(client, {})
        beyond = m.get("beyond_handler_mb")
        row(
            f"warm env RSS beyond handler ({client})",
            fmt_mb(m.get("env_rss_mb")),
            fmt_mb(mem.get("handler_import_rss_mb")),
            fmt_mb(beyond, sign=True),
            "<= 15 MB",
            verdict(beyond, 15.0),
            value=beyond,
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--quick", action="store_true", help="fewer iterations (a CI smoke run, ~6 s)"
    )
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the numbers to FILE")
    args = parser.parse_args()
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    plan = Plan.for_mode(args.quick)
    # Whatever goes wrong, never hang a CI job: dump the stacks and exit.
    faulthandler.dump_traceback_later(120 if args.quick else 300, exit=True)

    started = time.perf_counter()
    cpu = f"{os.cpu_count()} CPUs"
    print(
        f"Lamina runtime benchmark ({'quick' if args.quick else 'full'}): Python {platform.python_version()}, {platform.system()} {platform.machine()}, {cpu}"
    )
    with tempfile.TemporaryDirectory(prefix="lamina-bench-") as tmp:
        root = Path(tmp).resolve()
        write_handler(root)
        bench = Bench(plan, root)
        asyncio.run(bench_runtime(bench))
        try:
            bench_cli(bench)
        except Exception as e:
            traceback.print_exc()
            bench.anomaly(f"bench_cli aborted: {type(e).__name__}: {e}")
    elapsed = time.perf_counter() - started

    rows = summary(bench)
    section(f"Summary ({elapsed:.1f} s; ratio = Lamina / peer, lower is better)")
    keys = ["metric", "lamina", "peer", "ratio", "goal", "met"]
    print(
        table(
            ["metric", "lamina", "peer", "ratio/delta", "goal", "met?"],
            [[r[k] for k in keys] for r in rows],
        )
    )
    if bench.anomalies:
        print("\nAnomalies:")
        for a in bench.anomalies:
            print(f"  - {a}")
    if args.json:
        doc = {
            "mode": "quick" if args.quick else "full",
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "elapsed_s": elapsed,
            "plan": plan.__dict__,
            **bench.numbers,
            "summary": rows,
            "anomalies": bench.anomalies,
        }
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    faulthandler.cancel_dump_traceback_later()
    return 1 if bench.anomalies else 0


if __name__ == "__main__":
    sys.exit(main())
