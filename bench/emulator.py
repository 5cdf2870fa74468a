"""The emulator's benchmark: `lamina serve` against its goals and against moto server, in one run.

    .venv/bin/python bench/emulator.py            # the full run (~30-40 s on 2 cores)
    .venv/bin/python bench/emulator.py --quick    # a smoke run (~15 s)
    .venv/bin/python bench/emulator.py --json out.json
    .venv/bin/python bench/emulator.py --sections 1,2   # only the Invoke sections (~20 s)

What it measures, on a trivial handler (`return {"ok": True}`) deployed to a fresh data dir:

1. Warm Invoke latency (p50, p99) through boto3 (one client, reused) and through a raw keep-alive
   http.client connection; the CPU each invoke (boto3's and raw) cost `lamina serve` and the
   function's processes (from /proc: load inflates it far less than it does a latency), boto3's
   own CPU per call against Lamina and against the instant server, and how many of boto3's
   invokes aiohttp answered rather than the front (emulator/fast_invoke.py). Waiting costs CPU
   too: the same canned answer sent 0.6 ms later cost boto3 ~100 us more per call, and a raw
   client that paused 1.5 ms between invokes cost the server ~200 us more per invoke (wake-ups,
   caches cooled by the other processes), so boto3's figures sit above the raw ones.
2. Throughput: a separate load process (asyncio, keep-alive connections, loopback only, bounded
   in connections and seconds) sends Invoke requests for a fixed time; invokes per second.
3. Control-plane calls (CreateFunction, UpdateFunctionCode, PublishVersion, CreateAlias,
   GetFunction) against `lamina serve` and moto server, interleaved; medians and the ratio.
4. Save-to-live: from the start of UpdateFunctionCode to the first Invoke answering with the new
   code, on a warm function.
5. Async (Event) invokes: accepted per second (each is committed to the persistent queue before
   its 202) and run per second (info; no goal).
6. Idle RSS of the `lamina serve` process (its execution environments are separate processes).

A slow number never fails the run ("NOT met" is just printed). The exit status is 1 only if
something could not be measured (a server did not start, an invoke failed). Sections 1 and 2
are in emulator_invoke.py; what the sections share, in emulator_common.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from emulator_common import (
    FUNCTION,
    ROLE,
    Bench,
    Plan,
    fmt_ms,
    fmt_ratio,
    package,
    percentile,
    section,
    timed,
    verdict,
)
from emulator_invoke import bench_latency, bench_throughput, start_floor
from serving import Server, client, free_port, lamina_serve, marks_path

from lamina.deploy.package import build_zip

# --- 3: control plane vs moto --------------------------------------------------------------------


def bench_control_plane(bench: Bench, lamina: Any, moto: Any) -> None:
    section("3. Control plane: lamina serve vs moto server (interleaved)")
    zips = [package(bench.root, i) for i in range(bench.plan.control + 1)]
    targets = {"lamina": lamina, "moto": moto}
    ops = ("Create", "UpdateCode", "Publish", "CreateAlias", "Get")
    samples: dict[str, dict[str, list[float]]] = {t: {op: [] for op in ops} for t in targets}
    names = control_functions(targets, zips[0])
    for i in range(bench.plan.control):
        for target, lam in targets.items():
            control_round(samples[target], lam, names[target], zips[i], zips[i + 1], f"a{i}")
    ratios = []
    numbers = {}
    print(f"  {'call':<12} {'lamina p50':>12} {'moto p50':>12} {'ratio':>8}")
    for op in samples["lamina"]:
        a = statistics.median(samples["lamina"][op])
        b = statistics.median(samples["moto"][op])
        ratios.append(a / b)
        numbers[op] = {"lamina_ms": a, "moto_ms": b, "ratio": a / b}
        print(f"  {op:<12} {fmt_ms(a):>12} {fmt_ms(b):>12} {fmt_ratio(a / b):>8}")
    worst = max(ratios)
    print(f"  worst ratio {fmt_ratio(worst)}   goal <= 1.0: {verdict(worst, 1.0)}")
    bench.numbers["control_plane"] = numbers


def control_functions(targets: dict[str, Any], code: bytes) -> dict[str, str]:
    """One function per target for the control rounds to update: target -> its name."""
    names = {t: f"cp-{t}-{uuid.uuid4().hex[:6]}" for t in targets}
    for target, lam in targets.items():
        lam.create_function(
            FunctionName=names[target],
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": code},
        )
    return names


def control_round(
    samples: dict[str, list[float]], lam: Any, name: str, first: bytes, second: bytes, alias: str
) -> None:
    """One of each control-plane call, timed."""
    new_name = f"{name}-{uuid.uuid4().hex[:6]}"
    ms, _ = timed(
        lambda: lam.create_function(
            FunctionName=new_name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": first},
        )
    )
    samples["Create"].append(ms)
    ms, _ = timed(lambda: lam.update_function_code(FunctionName=name, ZipFile=second))
    samples["UpdateCode"].append(ms)
    ms, version = timed(lambda: lam.publish_version(FunctionName=name))
    samples["Publish"].append(ms)
    ms, _ = timed(
        lambda: lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version["Version"])
    )
    samples["CreateAlias"].append(ms)
    ms, _ = timed(lambda: lam.get_function(FunctionName=name))
    samples["Get"].append(ms)


# --- 4: save-to-live -----------------------------------------------------------------------------


def bench_save_to_live(bench: Bench, lam: Any) -> None:
    section("4. Save-to-live: UpdateFunctionCode start -> first Invoke with the new answer")
    zips = [package(bench.root, f"live-{i}") for i in range(bench.plan.save_to_live)]
    samples = []
    for i, data in enumerate(zips):
        lam.invoke(FunctionName=FUNCTION)["Payload"].read()  # warm
        expected = f'"live-{i}"'.encode()
        t0 = time.perf_counter()
        lam.update_function_code(FunctionName=FUNCTION, ZipFile=data)
        for _ in range(1000):
            body = lam.invoke(FunctionName=FUNCTION)["Payload"].read()
            if expected in body:
                break
        else:
            bench.anomaly(f"save-to-live: the new code never answered ({body[:200]!r})")
            return
        samples.append((time.perf_counter() - t0) * 1000)
    p50 = percentile(samples, 0.5)
    bench.numbers["save_to_live"] = {"n": len(samples), "p50_ms": p50, "max_ms": max(samples)}
    print(
        f"  n={len(samples)} p50 {fmt_ms(p50)}  max {fmt_ms(max(samples))}"
        f"   goal p50 <= 100 ms: {verdict(p50, 100)}"
    )


# --- 5: async invokes ----------------------------------------------------------------------------

ASYNC_HANDLER = (
    "import os\n\ndef handler(event, context):\n"
    "    fd = os.open(event['file'], os.O_WRONLY | os.O_APPEND | os.O_CREAT)\n"
    "    os.write(fd, b'x')\n    os.close(fd)\n"
)


def bench_async(bench: Bench, lam: Any, port: int) -> None:
    """Event invokes from 4 keep-alive connections: how fast they are accepted (each one
    committed to the queue before its 202), and how fast the queue runs them."""
    section("5. Async (Event) invokes: accepted (durable) and run")
    code = bench.root / "async-code"
    code.mkdir()
    (code / "app.py").write_text(ASYNC_HANDLER)
    lam.create_function(
        FunctionName="bench-async",
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": build_zip(code)},
    )
    marks = marks_path("async")  # not under /tmp: the function has a private one
    body = json.dumps({"file": str(marks)}).encode()
    count = bench.plan.async_events
    import http.client
    import threading

    def send(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(n):
            conn.request(
                "POST",
                "/2015-03-31/functions/bench-async/invocations",
                body=body,
                headers={"X-Amz-Invocation-Type": "Event"},
            )
            response = conn.getresponse()
            response.read()
            if response.status != 202:
                bench.anomaly(f"async invoke answered {response.status}")
                return
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=send, args=(count // 4,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    accepted = time.perf_counter() - t0
    deadline = time.monotonic() + 120
    while (marks.stat().st_size if marks.exists() else 0) < count // 4 * 4:
        if time.monotonic() > deadline:
            bench.anomaly("async: not every event ran within 120 s")
            return
        time.sleep(0.01)
    done = time.perf_counter() - t0
    n = count // 4 * 4
    bench.numbers["async"] = {"events": n, "accepted_per_s": n / accepted, "run_per_s": n / done}
    print(
        f"  {n} events: accepted {n / accepted:.0f}/s, all run in {done:.2f} s ({n / done:.0f}/s)"
    )


# --- main ----------------------------------------------------------------------------------------


def start_moto(bench: Bench) -> tuple[Server, Any]:
    """moto server, with the role the control-plane rounds' functions name; and its client."""
    port = free_port()
    server = Server(
        "moto server",
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        f"http://127.0.0.1:{port}/moto-api/",
        bench.root / "moto.log",
    )
    import boto3

    boto3.session.Session(
        aws_access_key_id="bench", aws_secret_access_key="bench", region_name="us-east-1"
    ).client("iam", endpoint_url=f"http://127.0.0.1:{port}").create_role(
        RoleName=ROLE.rsplit("/", 1)[1], AssumeRolePolicyDocument="{}"
    )
    return server, client(f"http://127.0.0.1:{port}")


def run(bench: Bench) -> None:
    root, sections = bench.root, bench.sections
    port = free_port()
    lamina_server = Server(
        "lamina serve",
        lamina_serve(port, root / "data"),
        f"http://127.0.0.1:{port}/2016-08-19/account-settings",
        root / "serve.log",
    )
    servers = [lamina_server]
    try:
        time.sleep(0.5)
        idle = lamina_server.rss_mb()
        lam = client(f"http://127.0.0.1:{port}")
        lam.create_function(
            FunctionName=FUNCTION,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": package(root, "bench")},
            Timeout=30,
        )
        if sections & {1, 2}:
            floor_server, floor_port = start_floor(bench)
            servers.append(floor_server)
            if 1 in sections:
                floor = client(f"http://127.0.0.1:{floor_port}")
                bench_latency(bench, lam, port, floor, floor_port, lamina_server.proc.pid)
            if 2 in sections:
                bench_throughput(bench, port, floor_port)
            floor_server.close()
        if 3 in sections:
            moto_server, moto = start_moto(bench)
            servers.append(moto_server)
            bench_control_plane(bench, lam, moto)
        if 4 in sections:
            bench_save_to_live(bench, lam)
        if 5 in sections:
            bench_async(bench, lam, port)
        if 6 in sections:
            section("6. Idle RSS of lamina serve")
            after = lamina_server.rss_mb()
            bench.numbers["rss_mb"] = {"idle_at_start": idle, "after_the_run": after}
            print(
                f"  at start {idle:.1f} MB   after the run {after:.1f} MB"
                f"   goal idle <= 60 MB: {verdict(idle, 60)}"
            )
    finally:
        for server in servers:
            server.close()


def section_numbers(text: str) -> set[int]:
    try:
        numbers = {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of section numbers: {text!r}") from None
    if not numbers or not numbers <= set(range(1, 7)):
        raise argparse.ArgumentTypeError(f"sections are 1 to 6: {text!r}")
    return numbers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument(
        "--sections",
        type=section_numbers,
        default=set(range(1, 7)),
        help="only these sections, e.g. 1,2 (the Invoke ones); all by default",
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="lamina-bench-emulator-"))
    bench = Bench(Plan.for_mode(args.quick), root, args.sections)
    print(f"lamina serve benchmark ({'quick' if args.quick else 'full'}), {os.cpu_count()} CPUs")
    try:
        run(bench)
    except Exception as e:
        bench.anomaly(f"the run stopped: {type(e).__name__}: {e}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(bench.numbers, indent=2, default=str))
    if bench.anomalies:
        print("\nAnomalies:")
        for message in bench.anomalies:
            print(f"  - {message}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
