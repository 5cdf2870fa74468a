"""Where `lamina api`'s CPU per request goes: the same process three times, with the layers under
the HTTP one cut off in turn.

    .venv/bin/python bench/gateway_layers.py [--rounds N] [--requests N] [--clients N]

- http:    Gateway.handle answers a canned response (the HTTP layer, plain_http.py, alone);
- gateway: RuntimePool.invoke answers a canned result with START/END/REPORT logs (everything
           above runtime/: the template and handler save checks, route, event, response mapping,
           the request line on stderr);
- full:    unchanged (`GET /hello` runs bench/gateway.py's handler in an environment).

All three run at once, each from a wrapper that patches one method and then runs `lamina api`;
the client's bursts (keep-alive `http.client` loops, as bench/gateway.py's) go to each in turn,
round after round, so machine load falls on all three. Printed: each one's CPU per request (its
threads' /proc schedstat, which load moves far less than a latency) and the environments' for
`full`, p50, medians over rounds, and the differences: the gateway's share (gateway - http) and
the runtime's share in the lamina api process (full - gateway).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from gateway import HANDLER, TEMPLATE, free_port, percentile, process_tree, wait_for_answer

# Runs `python -m lamina api ...` with the layer named by LAMINA_BENCH_LAYER cut off.
WRAPPER = """
import os, runpy, sys
from lamina.gateway.http_types import HttpResponse
from lamina.runtime.invocation import InvocationResult

ANSWER = b'{"statusCode": 200, "headers": {"X-Version": "v1"}, "body": "{\\\\"ok\\\\": true}"}'
LOGS = ("START RequestId: {id} Version: $LATEST\\nEND RequestId: {id}\\nREPORT RequestId: {id}"
        "\\tDuration: 0.31 ms\\tBilled Duration: 1 ms\\tMemory Size: 128 MB\\t"
        "Max Memory Used: 12 MB\\t\\n")
layer = os.environ["LAMINA_BENCH_LAYER"]
if layer == "http":
    from lamina.gateway.front import Gateway

    async def handle(self, request):
        return HttpResponse(200, [("X-Version", "v1"), ("Content-Type", "application/json"),
                                  ("x-amzn-RequestId", "0d6c1f6e-8b8a-4c33-9d57-1a0b0e1f5b55")],
                            b'{"ok": true}')

    Gateway.handle = handle
elif layer == "gateway":
    from lamina.runtime.pool import RuntimePool

    async def invoke(self, config, request):
        rid = request.request_id
        return InvocationResult(rid, True, ANSWER, logs=LOGS.format(id=rid))

    RuntimePool.invoke = invoke
sys.argv = ["lamina", *sys.argv[1:]]
runpy.run_module("lamina", run_name="__main__", alter_sys=True)
"""
LAYERS = ("http", "gateway", "full")


def schedstat_ns(pid: int) -> int:
    """CPU time of all the process's threads so far (0 where /proc can't say)."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as file:
                total += int(file.read().split()[0])
        except OSError:
            continue
    return total


def burst(port: int, count: int, clients: int) -> list[float]:
    """Latencies of `count` GET /hello, split over `clients` keep-alive connections."""
    import http.client

    latencies: list[float] = []
    errors: list[str] = []

    def run() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(count // clients):
            started = time.perf_counter()
            connection.request("GET", "/hello")
            response = connection.getresponse()
            body = response.read()
            latencies.append(time.perf_counter() - started)
            if response.status != 200 or body != b'{"ok": true}':
                errors.append(f"{response.status} {body[:100]!r}")
                break
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"unexpected answer: {errors[0]}")
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--requests", type=int, default=800, help="per layer per round")
    parser.add_argument("--clients", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lamina-bench-layers-"))
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    results: dict[str, dict[str, list[float]]] = {layer: {} for layer in LAYERS}
    try:
        for layer in LAYERS:
            app = work / layer
            app.mkdir()
            (app / "handler.py").write_text(HANDLER)
            (app / "template.yaml").write_text(TEMPLATE)
            port = free_port()
            log = open(work / f"{layer}.log", "wb")  # noqa: SIM115 - the process keeps it
            proc = subprocess.Popen(
                [sys.executable, "-c", WRAPPER, "api", "--port", str(port)],
                cwd=app,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**base, "LAMINA_BENCH_LAYER": layer},
                start_new_session=True,
            )
            servers[layer] = (proc, port)
            wait_for_answer(port, proc, time.perf_counter())
            burst(port, 200, args.clients)  # warm: the environments, the connections
        for round_no in range(args.rounds):
            order = LAYERS if round_no % 2 == 0 else tuple(reversed(LAYERS))
            for layer in order:
                proc, port = servers[layer]
                children = [pid for pid in process_tree(proc.pid) if pid != proc.pid]
                own, envs = schedstat_ns(proc.pid), sum(map(schedstat_ns, children))
                latencies = burst(port, args.requests, args.clients)
                done = len(latencies)
                stats = results[layer]
                stats.setdefault("cpu", []).append((schedstat_ns(proc.pid) - own) / done / 1e3)
                envs_now = sum(map(schedstat_ns, children))
                stats.setdefault("envs", []).append((envs_now - envs) / done / 1e3)
                stats.setdefault("p50", []).append(percentile(latencies, 0.5) * 1e6)
    finally:
        for proc, _ in servers.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
    report(results, args)
    return 0


def report(results: dict[str, dict[str, list[float]]], args: argparse.Namespace) -> None:
    def med(layer: str, key: str) -> float:
        return statistics.median(results[layer][key])

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"GET /hello, {args.clients} client(s), {args.requests} requests a layer a round, "
          f"{args.rounds} rounds; load average {load} on {os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'':34}{'http':>10}{'gateway':>10}{'full':>10}")
    for key, label in (
        ("cpu", "lamina api CPU per request (µs)"),
        ("envs", "environments' CPU per request (µs)"),
        ("p50", "p50 (µs)"),
    ):
        print(f"{label:34}" + "".join(f"{med(layer, key):10.1f}" for layer in LAYERS))

    def share(upper: str, lower: str) -> str:
        paired = [a - b for a, b in zip(results[upper]["cpu"], results[lower]["cpu"], strict=True)]
        low, high = min(paired), max(paired)
        return f"{statistics.median(paired):6.1f} µs (rounds: {low:.0f} to {high:.0f})"

    print(f"{'the gateway (gateway - http)':34}{share('gateway', 'http')}")
    print(f"{'the runtime in it (full - gateway)':34}{share('full', 'gateway')}")


if __name__ == "__main__":
    sys.exit(main())
