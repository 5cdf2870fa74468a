"""What bench/runtime.py's measurements share: the plan, the trivial handler, the numbers' formatting
and the child processes the peers run in."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import statistics
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from lamina.runtime.config import FunctionConfig
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
