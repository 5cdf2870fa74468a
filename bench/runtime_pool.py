"""bench/runtime.py's measurements through the runtime pool: warm latency (and
python-lambda-local's call()), cold start, memory."""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
import time
from typing import Any

import psutil
from runtime_common import (
    BARE_CHILD,
    EXPECTED,
    FUNCTION_NAME,
    HANDLER_CHILD,
    INVOKE_TIMEOUT_S,
    MB,
    REWARM,
    Bench,
    IdleChild,
    check_result,
    fmt_mb,
    fmt_ms,
    fmt_ratio,
    median,
    percentile,
    pipe_worker_cold,
    quiet_python_lambda_local,
    ratio,
    section,
    table,
    timed_invoke,
)

from lamina.runtime.config import FunctionConfig
from lamina.runtime.pool import RuntimePool

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
