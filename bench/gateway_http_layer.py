"""lamina api's HTTP layer alone: plain_http.py against the aiohttp app it hands the rest to.

    .venv/bin/python bench/gateway_http_layer.py [--rounds N] [--requests N]

Each layer serves `GET /hello` from a handler that answers at once (no gateway, no
environment), in its own process on uvloop, taking turns round after round with the same
keep-alive `http.client` client as bench/gateway.py. Printed: the server process's CPU per
request (from /proc, steadier than wall time on a loaded machine) and the client's p50, medians
over rounds, with each round's plain / aiohttp ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from gateway import cpu_seconds, free_port, measure, percentile, wait_for_answer

SERVER = """import asyncio, sys
from lamina.event_loop import run_event_loop
from lamina.gateway.http_types import HttpResponse

ANSWER = HttpResponse(200, [("Content-Type", "application/json")], b'{"ok": true}')


async def handle(request):
    return HttpResponse(ANSWER.status, list(ANSWER.headers), ANSWER.body)


async def main(layer, port):
    from aiohttp import web
    from lamina.gateway.http_server import CLIENT_MAX_SIZE, create_app
    from lamina.gateway.plain_http import listen_plain

    runner = web.AppRunner(create_app(handle), access_log=None, handle_signals=False)
    await runner.setup()
    if layer == "aiohttp":
        await web.TCPSite(runner, "127.0.0.1", port).start()
    else:
        await listen_plain(
            handle, runner.server, lambda path: False, "127.0.0.1", port, CLIENT_MAX_SIZE
        )
    await asyncio.Event().wait()


run_event_loop(main(sys.argv[1], int(sys.argv[2])))
"""


def serve(layer: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, layer, str(port)])
    wait_for_answer(port, proc, time.perf_counter())
    return proc, port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    results: dict[str, dict[str, list[float]]] = {}
    for _ in range(args.rounds):
        for layer in ("aiohttp", "plain"):
            proc, port = serve(layer)
            try:
                measure(port, 1, 200)
                before = cpu_seconds([proc.pid])
                latencies, _ = measure(port, 1, args.requests)
                cpu = (cpu_seconds([proc.pid]) - before) / (args.requests + 50) * 1e6
            finally:
                proc.kill()
                proc.wait()
            stats = results.setdefault(layer, {})
            stats.setdefault("cpu_us", []).append(cpu)
            stats.setdefault("p50_ms", []).append(percentile(latencies, 0.5) * 1000)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"GET /hello answered at once, {args.requests} requests, {args.rounds} rounds; load {load}"
    )
    for key, label in (("cpu_us", "server CPU per request (µs)"), ("p50_ms", "p50 (ms)")):
        plain, aio = results["plain"][key], results["aiohttp"][key]
        ratios = ", ".join(f"{p / a:.2f}" for p, a in zip(plain, aio, strict=True))
        print(
            f"{label:28} aiohttp {statistics.median(aio):8.3f}  plain {statistics.median(plain):8.3f}"
            f"  plain / aiohttp by round: {ratios}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
