"""What an external extension costs a function: cold start and warm invoke with a minimal
extension (registered for INVOKE, back in /next at once) against the same function without
one, and against a bare pipe worker, in one run, interleaved.

    .venv/bin/python bench/extensions.py            # 10 cold starts and 300 warm invokes each
    .venv/bin/python bench/extensions.py --quick

An extension adds a process, its registration and, per invoke, an INVOKE event and its /next:
on Lambda too. Prints medians and ratios; never fails on a slow number.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

HANDLER = 'def handler(event, context):\n    return {"ok": True}\n'
EXTENSION = f"""#!{sys.executable} -S
import http.client, os
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
c = http.client.HTTPConnection(host, int(port))
c.request("POST", "/2020-01-01/extension/register", body='{{"events": ["INVOKE"]}}',
          headers={{"Lambda-Extension-Name": "minimal"}})
r = c.getresponse(); r.read()
ext_id = r.getheader("Lambda-Extension-Identifier")
while True:
    c.request("GET", "/2020-01-01/extension/event/next",
              headers={{"Lambda-Extension-Identifier": ext_id}})
    c.getresponse().read()
"""
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
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("{}\n")
    proc.stdin.flush()
    proc.stdout.readline()
    elapsed = time.perf_counter() - started
    proc.stdin.close()
    proc.wait()
    return elapsed * 1000


async def cold(config: FunctionConfig) -> float:
    async with RuntimePool(RuntimeOptions()) as pool:
        started = time.perf_counter()
        result = await pool.invoke(config, InvocationRequest.from_json({}))
        elapsed = time.perf_counter() - started
    assert result.ok, result.logs
    return elapsed * 1000


async def warm(config: FunctionConfig, count: int) -> list[float]:
    times = []
    async with RuntimePool(RuntimeOptions()) as pool:
        await pool.invoke(config, InvocationRequest.from_json({}))
        for _ in range(count):
            started = time.perf_counter()
            result = await pool.invoke(config, InvocationRequest.from_json({}))
            times.append((time.perf_counter() - started) * 1000)
            assert result.ok
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    colds, warms = (4, 60) if args.quick else (10, 300)
    with tempfile.TemporaryDirectory() as tmp:
        code = Path(tmp, "code")
        code.mkdir()
        (code / "app.py").write_text(HANDLER)
        layer = Path(tmp, "layer", "extensions")
        layer.mkdir(parents=True)
        (layer / "minimal").write_text(EXTENSION)
        (layer / "minimal").chmod(0o755)
        plain = FunctionConfig("plain", "app.handler", code)
        with_ext = FunctionConfig("ext", "app.handler", code, opt_roots=(layer.parent,))
        cold_times: dict[str, list[float]] = {"pipe worker": [], "plain": [], "extension": []}
        for _ in range(colds):  # interleaved, so load shifts hit all three alike
            cold_times["pipe worker"].append(pipe_worker_cold(code))
            cold_times["plain"].append(asyncio.run(cold(plain)))
            cold_times["extension"].append(asyncio.run(cold(with_ext)))
        print(f"== cold start, spawn to first result ({colds} each)")
        base = statistics.median(cold_times["pipe worker"])
        for name, times in cold_times.items():
            median = statistics.median(times)
            print(f"{name:12}  median {median:7.1f} ms   vs pipe worker {median / base:5.2f}x")
        warm_times: dict[str, list[float]] = {"plain": [], "extension": []}
        for _ in range(2):
            warm_times["plain"] += asyncio.run(warm(plain, warms // 2))
            warm_times["extension"] += asyncio.run(warm(with_ext, warms // 2))
        print(f"\n== warm invoke ({warms} each)")
        plain_p50 = statistics.median(warm_times["plain"])
        for name, times in warm_times.items():
            times.sort()
            p50, p99 = statistics.median(times), times[int(len(times) * 0.99) - 1]
            ratio = p50 / plain_p50
            print(f"{name:12}  p50 {p50:6.3f} ms   p99 {p99:6.3f} ms   vs plain {ratio:5.2f}x")


if __name__ == "__main__":
    main()
