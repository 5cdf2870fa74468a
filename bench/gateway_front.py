"""The gateway's own share of a request, in this process: `Gateway.handle` on `GET /hello`
(route match, payload 1.0 event, JSON, response parse, the log line) with
an invoke that answers at once, so neither HTTP nor the execution environment is counted.

    .venv/bin/python bench/gateway_front.py             # median µs per request over rounds
    .venv/bin/python bench/gateway_front.py --profile   # and where it goes (cProfile, top 20)

bench/gateway.py measures the whole path against its peers; this isolates the front so a cut in
it shows up above the noise of processes and sockets. It runs on the loop lamina api runs on
(uvloop where installed), without the timer lamina api leaves out for short functions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from gateway import HANDLER, TEMPLATE

from lamina.gateway.front import Gateway
from lamina.gateway.http_types import HttpRequest
from lamina.gateway.request_record import RequestRecord
from lamina.gateway.routes import RouteTable
from lamina.gateway.template_apis import read_template_apis
from lamina.runtime.invocation import InvocationResult

ANSWER = b'{"statusCode": 200, "headers": {"X-Version": "v1"}, "body": "{\\"ok\\": true}"}'
HEADERS = [("Host", "127.0.0.1:3000"), ("User-Agent", "bench"), ("Accept", "*/*")]


def summarize(record: RequestRecord) -> None:
    record.summary()  # the log line lamina api prints, made but not written


def make_gateway() -> Gateway:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "handler.py").write_text(HANDLER)
        template = Path(tmp) / "template.yaml"
        template.write_text(TEMPLATE)
        apis = read_template_apis(template, {"Hello"})

    async def invoke(function: str, event: bytes, request_id: str) -> InvocationResult:
        return InvocationResult(request_id, True, ANSWER)

    # As lamina api: the function's Timeout (3 s) plus init's limit (10 s) is under the REST
    # API's 29 s, so the front awaits the invoke without a timer of its own.
    return Gateway(
        RouteTable(apis.routes),
        invoke,
        on_request=summarize,
        longest_run_s=lambda function: 13.0,
    )


async def requests(gateway: Gateway, count: int) -> None:
    for _ in range(count):
        request = HttpRequest("GET", "/hello", "", HEADERS, b"", "127.0.0.1", "HTTP/1.1")
        response = await gateway.handle(request)
        if response.status != 200:
            sys.exit(f"GET /hello answered {response.status}: {response.body!r}")


def run(main: Coroutine[Any, Any, None]) -> None:
    """On uvloop where it is installed, as lamina api runs (lamina.emulator.server)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    gateway = make_gateway()
    run(requests(gateway, 1000))  # warm up
    per_request = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        run(requests(gateway, args.requests))
        per_request.append((time.perf_counter() - started) / args.requests * 1e6)
    print(f"gateway front: {statistics.median(per_request):.1f} µs per request (median of "
          f"{args.rounds} rounds of {args.requests}; min {min(per_request):.1f})")  # fmt: skip
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(run, requests(gateway, args.requests))
        pstats.Stats(profile).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
