"""What a layer adds to a cold start: the same module imported from the function's own code
(the peer) and from a layer, measured in one run, interleaved, through the runtime pool with the
sandbox on (a fresh pool each time: spawn to first result). The layer's cost includes resolving
it (runtime/layers.function_layers: the `layers` setting, Powertools, the ARN cache) and building
or finding the merged /opt view, as `lamina invoke` does on every run.

    .venv/bin/python bench/layers.py            # 15 cold starts each
    .venv/bin/python bench/layers.py --quick

Cases: a cached ARN layer (downloaded before: a folder in the ARN cache), two local layers merged
into one /opt view, and the Powertools layer (installed from PyPI once, if it can be) against
the same package bundled with the code. Prints medians of wall time and of CPU time (this
process and its reaped children, the environments: what load on a shared machine can't inflate
as much), the difference to each peer, and the cache-hit path alone: CPU time per resolution and
the slow steps it ran (lamina.cache_counters: pip, download, zip read, walk; all 0 on a hit).
Never fails on a slow number (the machine may be loaded: run it twice).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from lamina.cache_counters import COUNTS
from lamina.deploy.layer_download import LayerDownloader
from lamina.project.spec import LayerSpec
from lamina.runtime import sandbox
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.layers import function_layers
from lamina.runtime.package_set import describe_interpreter
from lamina.runtime.pool import RuntimePool
from lamina.runtime.powertools_layer import powertools_layer

ARN = "arn:aws:lambda:us-east-1:123456789012:layer:bench-helper:1"
POWERTOOLS = (
    "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"
)
HELPER = "VALUE = 42\n"


def handler(module: str) -> str:
    return f"import {module}\ndef handler(event, context):\n    return {{'ok': True}}\n"


def cpu_now() -> float:
    """CPU seconds of this process and its reaped children (the environments), so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def cold(
    config: FunctionConfig, layers: list[LayerSpec], cache: Path, download: LayerDownloader
) -> tuple[float, float]:
    """(wall ms, CPU ms) of one cold start: resolving the layers, spawn to first result."""
    cpu_started = cpu_now()
    started = time.perf_counter()
    if layers:
        found = function_layers(layers, sys.executable, cache, None, download)
        config = replace(config, layer_paths=found.paths, opt=found.opt)
    async with RuntimePool(RuntimeOptions(sandbox=True)) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
        elapsed = time.perf_counter() - started
    assert result.ok, result.payload
    return elapsed * 1000, (cpu_now() - cpu_started) * 1000


def hit_cost(layers: list[LayerSpec], cache: Path, download: LayerDownloader) -> str:
    """The cache-hit path alone: CPU per resolution, and the slow steps it ran."""
    runs = 200
    before = dict(COUNTS)
    started = time.process_time()
    for _ in range(runs):
        function_layers(layers, sys.executable, cache, None, download)
    per_call = (time.process_time() - started) / runs * 1e6
    slow = {step: n - before.get(step, 0) for step, n in COUNTS.items() if n != before.get(step)}
    return f"{per_call:6.0f} us CPU per resolution; slow steps on {runs} hits: {slow or 'none'}"


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count = 5 if args.quick else 15
    root = Path(tempfile.mkdtemp(prefix="lamina-bench-layers-"))
    cache = root / "project-cache"
    download = LayerDownloader(root / "user-cache" / "layers")
    version = describe_interpreter(sys.executable).version
    # The ARN layer, as a finished download left it (folder + marker beside it).
    arn_folder = download.folder_for(ARN)
    write(arn_folder, {f"python/lib/python{version}/site-packages/bench_helper.py": HELPER})
    arn_folder.with_name(arn_folder.name + ".complete").write_text(ARN)
    first = write(root / "first", {"python/bench_helper.py": "VALUE = 1\n", "python/a.py": ""})
    second = write(root / "second", {"python/bench_helper.py": HELPER, "python/b.py": ""})

    def function(name: str, module: str, bundled: dict[str, str] | None = None) -> FunctionConfig:
        code = write(root / name, {"app.py": handler(module), **(bundled or {})})
        return FunctionConfig(function_name=name, handler="app.handler", code_dir=code)

    cases: dict[str, tuple[FunctionConfig, list[LayerSpec]]] = {
        "bundled helper (peer)": (
            function("peer", "bench_helper", {"bench_helper.py": HELPER}),
            [],
        ),
        "cached ARN layer": (function("arn", "bench_helper"), [LayerSpec(ARN, arn=ARN)]),
        "two local layers": (
            function("local", "bench_helper"),
            [LayerSpec("First", content_dir=first), LayerSpec("Second", content_dir=second)],
        ),
    }
    try:
        tools = powertools_layer(POWERTOOLS, describe_interpreter(sys.executable))
    except Exception as e:  # no PyPI here: the Powertools pair is left out
        print(f"Powertools left out: {e}")
    else:
        bundled = root / "powertools-peer"
        shutil.copytree(tools / "python", bundled)
        (bundled / "app.py").write_text(handler("aws_lambda_powertools.logging"))
        peer = FunctionConfig(function_name="pt-peer", handler="app.handler", code_dir=bundled)
        cases["Powertools bundled (peer)"] = (peer, [])
        cases["Powertools layer"] = (
            function("pt", "aws_lambda_powertools.logging"),
            [LayerSpec(POWERTOOLS, arn=POWERTOOLS)],
        )
    print(f"sandbox available here: {sandbox.available()}; load average {os.getloadavg()[0]:.1f}")
    for config, layers in cases.values():  # warm the package set and the views, off the figures
        await cold(config, layers, cache, download)
    print("\n== the cache-hit path alone (function_layers on cached layers)")
    for name, (_, layers) in cases.items():
        if layers:
            print(f"{name:26} {hit_cost(layers, cache, download)}")
    times: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    cpu_started = time.process_time()
    for _ in range(count):  # interleaved, so machine load hits all alike
        for name, (config, layers) in cases.items():
            wall, cpu_ms = await cold(config, layers, cache, download)
            times[name].append(wall)
            cpus[name].append(cpu_ms)
    cpu = time.process_time() - cpu_started
    print(f"\n== cold start, spawn to first result, sandbox on ({count} each; wall | CPU)")
    peers = {
        "cached ARN layer": "bundled helper (peer)",
        "two local layers": "bundled helper (peer)",
    }
    peers["Powertools layer"] = "Powertools bundled (peer)"
    for name, values in times.items():
        median = statistics.median(values)
        cpu_median = statistics.median(cpus[name])
        line = f"{name:26} median {median:7.1f} ms | CPU {cpu_median:6.1f} ms"
        if name in peers:
            base = statistics.median(times[peers[name]])
            cpu_base = statistics.median(cpus[peers[name]])
            line += (
                f"   {median - base:+5.1f} ms ({median / base:4.2f}x) | CPU "
                f"{cpu_median - cpu_base:+5.1f} ms vs its peer (goal +5 ms)"
            )
        print(line)
    print(f"\nthis process's CPU time for the timed runs: {cpu:.2f} s")


if __name__ == "__main__":
    asyncio.run(main())
