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
import logging
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.pool import RuntimePool

HANDLER_SOURCE = 'def handler(event, context):\n    return {"ok": True}\n'
EXPECTED = {"ok": True}
FUNCTION_NAME = "bench"
CLIENTS = ("lamina", "awslambdaric")
MB = 1024 * 1024
INVOKE_TIMEOUT_S = 30.0
PROCESS_TIMEOUT_S = 60.0
REWARM = 3

# The minimal pipe worker Lamina's cold start is compared with: one JSON event per stdin line, the
# handler imported from the cwd, one JSON response per stdout line. No context object.
PIPE_WORKER = """\
import json, sys
from app import handler
for line in sys.stdin:
    sys.stdout.write(json.dumps(handler(json.loads(line), None)) + "\\n")
    sys.stdout.flush()
"""
# Idle children for the memory baseline: print a line once ready, then wait for stdin to close.
BARE_CHILD = "import sys\nsys.stdout.write('ready\\n')\nsys.stdout.flush()\nsys.stdin.read()\n"
HANDLER_CHILD = "import sys\nimport app\n" + BARE_CHILD.split("\n", 1)[1]

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


@dataclass
class Plan:
    """How many of each measurement."""

    warm: int
    warmup: int
    rounds: int
    pll_calls: int
    cold: int
    cli: int
    memory: int

    @classmethod
    def for_mode(cls, quick: bool) -> Plan:
        if quick:
            return cls(warm=300, warmup=20, rounds=3, pll_calls=15, cold=8, cli=5, memory=1)
        return cls(warm=500, warmup=50, rounds=5, pll_calls=30, cold=20, cli=15, memory=3)


@dataclass
class Bench:
    plan: Plan
    root: Path
    anomalies: list[str] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)

    def anomaly(self, message: str) -> None:
        if message not in self.anomalies:
            self.anomalies.append(message)
        print(f"  ! {message}", flush=True)


# --- statistics and formatting ------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not samples:
        return None
    s = sorted(samples)
    k = (len(s) - 1) * q
    lo = math.floor(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def median(samples: list[float]) -> float | None:
    return statistics.median(samples) if samples else None


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def fmt_ms(v: float | None) -> str:
    if v is None:
        return "n/a"
    if v < 10:
        return f"{v:.3f} ms"
    return f"{v:.1f} ms"


def fmt_mb(v: float | None, sign: bool = False) -> str:
    if v is None:
        return "n/a"
    return f"{v:+.1f} MB" if sign else f"{v:.1f} MB"


def fmt_ratio(v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:.2f}x" if v >= 0.1 else f"{v:.2g}x"


def verdict(value: float | None, limit: float | None) -> str:
    if limit is None:
        return "info"
    if value is None:
        return "n/a"
    return "met" if value <= limit else "NOT met"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    for r in rows:
        out.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    return "\n".join(out)


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


# --- the handler and its processes --------------------------------------------------------------


def write_handler(root: Path) -> None:
    (root / "app.py").write_text(HANDLER_SOURCE)
    (root / "event.json").write_text("{}\n")


def function_config(root: Path) -> FunctionConfig:
    return FunctionConfig(
        function_name=FUNCTION_NAME,
        handler="app.handler",
        code_dir=root,
        timeout=30.0,
        memory_size=256,
    )


def check_result(bench: Bench, label: str, result: InvocationResult, cold: bool) -> bool:
    if not result.ok:
        bench.anomaly(f"{label}: the invoke failed: {result.payload[:300]!r}")
        return False
    try:
        body = json.loads(result.payload)
    except ValueError:
        body = None
    if body != EXPECTED:
        bench.anomaly(f"{label}: unexpected payload {result.payload[:200]!r}")
        return False
    if result.cold != cold:
        bench.anomaly(
            f"{label}: expected a {'cold' if cold else 'warm'} invoke, got cold={result.cold}"
        )
    return True


async def timed_invoke(pool: RuntimePool, config: FunctionConfig) -> tuple[float, InvocationResult]:
    request = InvocationRequest(payload=b"{}")
    t0 = time.perf_counter()
    result = await asyncio.wait_for(pool.invoke(config, request), INVOKE_TIMEOUT_S)
    return (time.perf_counter() - t0) * 1000, result


def kill_after(proc: subprocess.Popen[bytes], seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, proc.kill)
    timer.daemon = True
    timer.start()
    return timer


def pipe_worker_cold(bench: Bench) -> float | None:
    """Spawn the pipe worker, send one event, time until its response line arrives."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", PIPE_WORKER],
        cwd=bench.root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    timer = kill_after(proc, PROCESS_TIMEOUT_S)
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(b"{}\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        elapsed = (time.perf_counter() - t0) * 1000
        proc.stdin.close()
        proc.wait()
    finally:
        timer.cancel()
    if not line or json.loads(line) != EXPECTED:
        bench.anomaly(f"pipe worker: unexpected response {line[:200]!r}")
        return None
    return elapsed


def run_cli(
    bench: Bench, label: str, argv: list[str], env: dict[str, str], expect: bytes
) -> float | None:
    t0 = time.perf_counter()
    try:
        done = subprocess.run(
            argv, cwd=bench.root, env=env, capture_output=True, timeout=PROCESS_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        bench.anomaly(f"{label}: no exit within {PROCESS_TIMEOUT_S:.0f} s")
        return None
    elapsed = (time.perf_counter() - t0) * 1000
    if done.returncode != 0 or expect not in done.stdout:
        bench.anomaly(
            f"{label}: exit {done.returncode}, stdout {done.stdout[-200:]!r}, stderr {done.stderr[-300:]!r}"
        )
        return None
    return elapsed


class IdleChild:
    """A child that reports ready and then idles, for the memory baseline."""

    def __init__(self, bench: Bench, code: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=bench.root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.timer = kill_after(self.proc, PROCESS_TIMEOUT_S)
        assert self.proc.stdout is not None
        self.ready = self.proc.stdout.readline() == b"ready\n"

    def rss(self) -> psutil.pmem | None:
        return psutil.Process(self.proc.pid).memory_info() if self.ready else None

    def uss(self) -> int | None:
        return psutil.Process(self.proc.pid).memory_full_info().uss if self.ready else None

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()
        self.timer.cancel()


def quiet_python_lambda_local() -> Callable[..., Any]:
    """Import python-lambda-local's call() and send its per-call INFO log lines to /dev/null.

    Its import runs logging.basicConfig(stdout, INFO); the lines are still formatted and written
    (its cost stays in), just not to the terminal."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lambda_local.main import call
    sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the run
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)
    lamina_log = logging.getLogger("lamina")
    lamina_log.addHandler(logging.StreamHandler(sys.stderr))
    lamina_log.setLevel(logging.WARNING)
    lamina_log.propagate = False
    return call


# --- 1 + 2: warm latency, python-lambda-local call() ---------------------------------------------


async def bench_warm(bench: Bench, pools: dict[str, RuntimePool], config: FunctionConfig) -> None:
    section("1+2. Warm invoke latency (runtime pool) and python-lambda-local call()")
    plan = bench.plan
    sys.path.insert(0, str(bench.root))
    import app  # type: ignore[import-not-found]  # the temp handler
    from lambda_local.context import Context

    call = quiet_python_lambda_local()

    samples: dict[str, list[float]] = {c: [] for c in pools}
    pids: dict[str, set[int | None]] = {c: set() for c in pools}
    pll: list[float] = []
    # Start both environments and warm them up (the first invoke is the cold one).
    for client, pool in pools.items():
        _, result = await timed_invoke(pool, config)
        check_result(bench, f"warm-up {client}", result, cold=True)
        for _ in range(plan.warmup):
            _, result = await timed_invoke(pool, config)
            check_result(bench, f"warm-up {client}", result, cold=False)
    per_round = math.ceil(plan.warm / plan.rounds)
    calls_per_round = math.ceil(plan.pll_calls / plan.rounds)
    for _ in range(plan.rounds):
        # call() forks this process, so the next invoke pays copy-on-write faults that Lamina's own
        # server never would: re-warm a few invokes (untimed) after each call() block.
        for client, pool in pools.items():
            for _ in range(REWARM):
                _, result = await timed_invoke(pool, config)
                check_result(bench, f"warm-up {client}", result, cold=False)
        # Alternate the clients invoke by invoke, then a block of python-lambda-local call()s.
        for _ in range(per_round):
            for client, pool in pools.items():
                if len(samples[client]) >= plan.warm:
                    continue
                ms, result = await timed_invoke(pool, config)
                if check_result(bench, f"warm {client}", result, cold=False):
                    samples[client].append(ms)
                pids[client].update(env.pid for env in pool.environments(config))
        for _ in range(calls_per_round):
            if len(pll) >= plan.pll_calls:
                break
            t0 = time.perf_counter()
            out, err_type = call(app.handler, {}, Context(30))
            ms = (time.perf_counter() - t0) * 1000
            if err_type is None and out == EXPECTED:
                pll.append(ms)
            else:
                bench.anomaly(f"python-lambda-local call(): {err_type=} {out!r}")

    rows = []
    warm: dict[str, Any] = {}
    for client, xs in samples.items():
        if len(pids[client]) != 1:
            bench.anomaly(
                f"warm {client}: environments changed during the run (pids {sorted(map(str, pids[client]))})"
            )
        stats = {
            "n": len(xs),
            "p50_ms": percentile(xs, 0.50),
            "p90_ms": percentile(xs, 0.90),
            "p99_ms": percentile(xs, 0.99),
            "max_ms": max(xs) if xs else None,
            "mean_ms": statistics.fmean(xs) if xs else None,
        }
        warm[client] = stats
        rows.append(
            [
                f"Lamina pool, {client} client",
                str(stats["n"]),
                fmt_ms(stats["p50_ms"]),
                fmt_ms(stats["p90_ms"]),
                fmt_ms(stats["p99_ms"]),
                fmt_ms(stats["max_ms"]),
            ]
        )
    pll_stats = {
        "n": len(pll),
        "median_ms": median(pll),
        "p90_ms": percentile(pll, 0.9),
        "max_ms": max(pll) if pll else None,
    }
    rows.append(
        [
            "python-lambda-local call()",
            str(len(pll)),
            fmt_ms(pll_stats["median_ms"]),
            fmt_ms(pll_stats["p90_ms"]),
            "",
            fmt_ms(pll_stats["max_ms"]),
        ]
    )
    print(table(["", "n", "p50", "p90", "p99", "max"], rows))
    print("  goal: p50 <= 1 ms, p99 <= 3 ms (each client)")
    bench.numbers["warm"] = warm
    bench.numbers["pll_call"] = pll_stats


# --- 5: memory -----------------------------------------------------------------------------------


async def bench_memory(bench: Bench, pools: dict[str, RuntimePool], config: FunctionConfig) -> None:
    section("5. Memory of a warm environment (RSS)")
    env_rss: dict[str, list[float]] = {c: [] for c in pools}
    env_uss: dict[str, list[float]] = {c: [] for c in pools}
    bare_rss: list[float] = []
    handler_rss: list[float] = []
    handler_uss: list[float] = []
    bare_uss: list[float] = []
    for _ in range(bench.plan.memory):
        for client, pool in pools.items():
            await asyncio.wait_for(pool.retire(FUNCTION_NAME), INVOKE_TIMEOUT_S)
            _, result = await timed_invoke(pool, config)
            check_result(bench, f"memory {client} (cold)", result, cold=True)
            _, result = await timed_invoke(pool, config)
            check_result(bench, f"memory {client} (warm)", result, cold=False)
            await asyncio.sleep(0.05)  # let the runtime client reach /next (and be frozen)
            envs = pool.environments(config)
            if len(envs) != 1 or envs[0].pid is None:
                bench.anomaly(f"memory {client}: expected one environment, found {len(envs)}")
                continue
            proc = psutil.Process(envs[0].pid)
            env_rss[client].append(proc.memory_info().rss / MB)
            env_uss[client].append(proc.memory_full_info().uss / MB)
        for code, rss_list, uss_list in (
            (BARE_CHILD, bare_rss, bare_uss),
            (HANDLER_CHILD, handler_rss, handler_uss),
        ):
            child = IdleChild(bench, code)
            try:
                info = child.rss()
                if info is None:
                    bench.anomaly("memory baseline child did not start")
                    continue
                rss_list.append(info.rss / MB)
                uss = child.uss()
                if uss is not None:
                    uss_list.append(uss / MB)
            finally:
                child.close()

    bare = median(bare_rss)
    handler_only = median(handler_rss)
    memory: dict[str, Any] = {
        "bare_python_rss_mb": bare,
        "bare_python_uss_mb": median(bare_uss),
        "handler_import_rss_mb": handler_only,
        "handler_import_uss_mb": median(handler_uss),
        "handler_own_mb": None if bare is None or handler_only is None else handler_only - bare,
    }
    rows = [
        ["bare python child", fmt_mb(bare), fmt_mb(median(bare_uss)), ""],
        ["child that imports the handler", fmt_mb(handler_only), fmt_mb(median(handler_uss)), ""],
    ]
    for client in pools:
        rss = median(env_rss[client])
        beyond = None if rss is None or handler_only is None else rss - handler_only
        memory[client] = {
            "env_rss_mb": rss,
            "env_uss_mb": median(env_uss[client]),
            "beyond_handler_mb": beyond,
            "beyond_bare_mb": None if rss is None or bare is None else rss - bare,
        }
        rows.append(
            [
                f"warm env, {client} client",
                fmt_mb(rss),
                fmt_mb(median(env_uss[client])),
                fmt_mb(beyond, sign=True),
            ]
        )
    print(table(["", "RSS", "USS", "beyond handler"], rows))
    print("  goal: <= 15 MB of RSS beyond the handler's own (env RSS - handler-import child RSS)")
    bench.numbers["memory"] = memory


# --- 3: cold start -------------------------------------------------------------------------------


async def bench_cold(bench: Bench, pools: dict[str, RuntimePool], config: FunctionConfig) -> None:
    section("3. Cold start: spawn to first response")
    spawn: dict[str, list[float]] = {c: [] for c in pools}
    init: dict[str, list[float]] = {c: [] for c in pools}
    pipe: list[float] = []
    contestants: list[str] = [*pools, "pipe"]
    for i in range(bench.plan.cold):
        # Rotate the order so none of them always runs right after another's teardown.
        for name in contestants[i % 3 :] + contestants[: i % 3]:
            if name == "pipe":
                ms = pipe_worker_cold(bench)
                if ms is not None:
                    pipe.append(ms)
                continue
            pool = pools[name]
            await asyncio.wait_for(pool.retire(FUNCTION_NAME), INVOKE_TIMEOUT_S)
            ms, result = await timed_invoke(pool, config)
            if check_result(bench, f"cold {name}", result, cold=True):
                spawn[name].append(ms)
                if result.init_duration_ms is not None:
                    init[name].append(result.init_duration_ms)
    pipe_median = median(pipe)
    cold: dict[str, Any] = {
        "pipe_worker": {"n": len(pipe), "median_ms": pipe_median, "p90_ms": percentile(pipe, 0.9)}
    }
    rows = [
        [
            "minimal pipe worker",
            str(len(pipe)),
            fmt_ms(pipe_median),
            fmt_ms(percentile(pipe, 0.9)),
            "",
            "",
        ]
    ]
    for client in pools:
        m = median(spawn[client])
        cold[client] = {
            "n": len(spawn[client]),
            "median_ms": m,
            "p90_ms": percentile(spawn[client], 0.9),
            "init_duration_median_ms": median(init[client]),
            "ratio_vs_pipe": ratio(m, pipe_median),
        }
        rows.append(
            [
                f"Lamina pool, {client} client",
                str(len(spawn[client])),
                fmt_ms(m),
                fmt_ms(cold[client]["p90_ms"]),
                fmt_ms(cold[client]["init_duration_median_ms"]),
                fmt_ratio(cold[client]["ratio_vs_pipe"]),
            ]
        )
    print(table(["", "n", "median", "p90", "Init Duration", "vs pipe"], rows))
    print("  goal: Lamina cold / pipe worker <= 1.5x")
    bench.numbers["cold"] = cold


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
