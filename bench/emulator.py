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
something could not be measured (a server did not start, an invoke failed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serving import Server, client, cpu_us, free_port, lamina_serve, marks_path

from lamina.deploy.package import build_zip

HANDLER = 'ANSWER = {answer!r}\n\ndef handler(event, context):\n    return {{"ok": True, "answer": ANSWER}}\n'
ROLE = "arn:aws:iam::123456789012:role/lamina-bench"
FUNCTION = "bench"
INVOKE_PATH = f"/2015-03-31/functions/{FUNCTION}/invocations"
# The peer for the boto3 and raw latency: a server with no function behind it, answering every
# request at once with a canned Invoke response (the same headers as lamina serve's). boto3's own
# cost per call (serializing, signing, parsing) shows there. A bare asyncio protocol, not an
# HTTP framework: an aiohttp server's own ~0.1 ms per request would count as the client's.
FLOOR_SERVER = r"""
import asyncio, sys
BODY = b'{"ok": true, "answer": "bench"}'
ANSWER = (
    b"HTTP/1.1 200 OK\r\nX-Amz-Executed-Version: $LATEST\r\n"
    b"x-amzn-RequestId: 4c8464f4-53f0-442b-b68c-a0392ffbd8e9\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\nDate: Fri, 27 Nov 2026 11:51:51 GMT\r\n"
    b"Server: lamina-bench-floor\r\n\r\n" % len(BODY)
) + BODY

class Floor(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""

    def data_received(self, data):
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            length = 0
            for line in self.buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(ANSWER)

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Floor, "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()

asyncio.run(main())
"""
MAX_LOAD_CONNECTIONS = 64
MAX_LOAD_SECONDS = 30.0


@dataclass
class Plan:
    boto_invokes: int
    raw_invokes: int
    load_seconds: float
    load_connections: tuple[int, ...]
    control: int
    save_to_live: int
    async_events: int

    @classmethod
    def for_mode(cls, quick: bool) -> Plan:
        if quick:
            return cls(300, 1000, 2.0, (4, 16), 8, 8, 400)
        return cls(1000, 3000, 5.0, (1, 4, 16), 25, 20, 2000)


@dataclass
class Bench:
    plan: Plan
    root: Path
    sections: set[int]
    anomalies: list[str] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)

    def anomaly(self, message: str) -> None:
        self.anomalies.append(message)
        print(f"  ! {message}", flush=True)


# --- helpers -------------------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    s = sorted(samples)
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def fmt_ms(v: float | None) -> str:
    return "n/a" if v is None else (f"{v:.3f} ms" if v < 10 else f"{v:.1f} ms")


def fmt_ratio(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}x"


def verdict(value: float | None, limit: float, higher_is_better: bool = False) -> str:
    if value is None:
        return "n/a"
    ok = value >= limit if higher_is_better else value <= limit
    return "met" if ok else "NOT met"


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


def package(root: Path, answer: object) -> bytes:
    code = root / f"code-{uuid.uuid4().hex}"
    code.mkdir()
    (code / "app.py").write_text(HANDLER.format(answer=answer))
    try:
        return build_zip(code)
    finally:
        shutil.rmtree(code)


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = call()
    return (time.perf_counter() - t0) * 1000, result


# --- 1: warm latency -----------------------------------------------------------------------------


def invoke_samples(
    bench: Bench, lam: Any, port: int, label: str, pid: int | None = None
) -> tuple[list[float], list[float]]:
    """(boto3 samples, raw keep-alive samples) against one endpoint; boto3's own CPU per call
    goes to bench.numbers["boto3_client_cpu_us"][label]; with the server's `pid`, the CPU its
    invokes cost to bench.numbers["invoke_cpu_us"] ("server", "function": raw; "boto3_server",
    "boto3_function", and "boto3_by_aiohttp": how many of boto3's invokes aiohttp answered)."""
    for _ in range(30):
        lam.invoke(FunctionName=FUNCTION)["Payload"].read()
    boto: list[float] = []
    by_aiohttp = 0  # aiohttp names itself in a Server header, the front does not
    boto_cpu = cpu_us(pid) if pid is not None else None
    client_cpu = time.process_time()
    for _ in range(bench.plan.boto_invokes):
        ms, response = timed(lambda: lam.invoke(FunctionName=FUNCTION))
        body = response["Payload"].read()
        boto.append(ms)
        by_aiohttp += "server" in response["ResponseMetadata"]["HTTPHeaders"]
        if response.get("FunctionError") or b'"ok": true' not in body:
            bench.anomaly(f"{label} boto3 invoke: unexpected {body[:200]!r}")
            break
    client_cpu = (time.process_time() - client_cpu) * 1e6 / max(1, len(boto))
    bench.numbers.setdefault("boto3_client_cpu_us", {})[label] = client_cpu
    if boto_cpu is not None and pid is not None and boto:
        server, below = (now - then for now, then in zip(cpu_us(pid), boto_cpu, strict=True))
        bench.numbers["invoke_cpu_us"] = {
            "boto3_server": server / len(boto),
            "boto3_function": below / len(boto),
            "boto3_by_aiohttp": by_aiohttp,
        }
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port)
    raw: list[float] = []
    cpu_before = None
    for i in range(bench.plan.raw_invokes + 50):
        if i == 50 and pid is not None:  # after the warm-up, as the samples
            cpu_before = cpu_us(pid)
        t0 = time.perf_counter()
        conn.request("POST", INVOKE_PATH, body=b"{}", headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        body = response.read()
        ms = (time.perf_counter() - t0) * 1000
        if response.status != 200 or b'"ok": true' not in body:
            bench.anomaly(f"{label} raw invoke: {response.status} {body[:200]!r}")
            break
        if i >= 50:
            raw.append(ms)
    conn.close()
    if cpu_before is not None and pid is not None and raw:
        server, below = (now - then for now, then in zip(cpu_us(pid), cpu_before, strict=True))
        numbers = bench.numbers.setdefault("invoke_cpu_us", {})
        numbers.update(server=server / len(raw), function=below / len(raw))
    return boto, raw


def bench_latency(bench: Bench, lam: Any, port: int, floor: Any, floor_port: int, pid: int) -> None:
    section("1. Warm Invoke latency (and the client's floor: a server that answers at once)")
    boto, raw = invoke_samples(bench, lam, port, "lamina", pid)
    floor_boto, floor_raw = invoke_samples(bench, floor, floor_port, "floor")
    print(f"  {'':<24} {'n':>5} {'p50':>10} {'p99':>10} {'floor p50':>10} {'p50 - floor':>12}")
    for label, key, xs, base, goal in (
        ("boto3 (client reused)", "boto3", boto, floor_boto, 1.5),
        ("raw keep-alive HTTP", "raw", raw, floor_raw, 1.0),
    ):
        p50, p99, base50 = percentile(xs, 0.5), percentile(xs, 0.99), percentile(base, 0.5)
        server_side = p50 - base50 if p50 is not None and base50 is not None else None
        bench.numbers[f"invoke_{key}"] = {
            "n": len(xs),
            "p50_ms": p50,
            "p99_ms": p99,
            "floor_p50_ms": base50,
            "p50_minus_floor_ms": server_side,
        }
        print(
            f"  {label:<24} {len(xs):>5} {fmt_ms(p50):>10} {fmt_ms(p99):>10} "
            f"{fmt_ms(base50):>10} {fmt_ms(server_side):>12}"
            f"   goal p50 <= {goal} ms: {verdict(p50, goal)}"
        )
    cpu = bench.numbers.get("invoke_cpu_us")
    if cpu and "server" in cpu:  # what load moves least: compare code with this, on a busy box
        print(
            f"  CPU per raw invoke: lamina serve {cpu['server']:.0f} us, the function's "
            f"processes {cpu['function']:.0f} us (/proc schedstat)"
        )
    if cpu and "boto3_server" in cpu:
        print(
            f"  CPU per boto3 invoke: lamina serve {cpu['boto3_server']:.0f} us, the function's "
            f"processes {cpu['boto3_function']:.0f} us; aiohttp answered "
            f"{cpu['boto3_by_aiohttp']} of {len(boto)} (the front the rest)"
        )
    client_cpu = bench.numbers.get("boto3_client_cpu_us", {})
    if "lamina" in client_cpu and "floor" in client_cpu:
        print(
            f"  boto3's own CPU per call: {client_cpu['lamina']:.0f} us against lamina serve, "
            f"{client_cpu['floor']:.0f} us against the instant server"
        )


# --- 2: throughput -------------------------------------------------------------------------------


def load_worker(port: int, connections: int, seconds: float, out: Any) -> None:
    """The load process: `connections` keep-alive connections, each sending an Invoke as soon
    as the previous answer arrived, for `seconds`. Loopback only; bounded."""
    connections = max(1, min(connections, MAX_LOAD_CONNECTIONS))
    seconds = max(0.1, min(seconds, MAX_LOAD_SECONDS))
    request = (
        f"POST {INVOKE_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    ).encode()

    async def connection(deadline: float, counts: list[int]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while time.perf_counter() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                counts[0 if status == 200 else 1] += 1
        finally:
            writer.close()

    async def main() -> tuple[int, int, float]:
        counts = [0, 0]
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(*(connection(deadline, counts) for _ in range(connections)))
        return counts[0], counts[1], time.perf_counter() - start

    ok, failed, elapsed = asyncio.run(main())
    out.put({"ok": ok, "failed": failed, "seconds": elapsed})


def load(bench: Bench, port: int, connections: int) -> dict[str, Any] | None:
    """One load process against `port`; its counts, or None if it gave none."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    worker = context.Process(
        target=load_worker, args=(port, connections, bench.plan.load_seconds, queue)
    )
    worker.start()
    try:
        result: dict[str, Any] = queue.get(timeout=bench.plan.load_seconds + 60)
        return result
    except Exception:
        bench.anomaly(f"load process ({connections} connections) gave no result")
        worker.kill()
        return None
    finally:
        worker.join(30)


def bench_throughput(bench: Bench, port: int, floor_port: int) -> None:
    """Invokes per second with N keep-alive connections, and the same load against the server
    that answers at once (the peer: what this machine's loopback and the load process allow)."""
    section("2. Throughput (a separate load process, keep-alive connections) vs instant server")
    results: dict[int, float] = {}
    floors: dict[int, float] = {}
    for connections in bench.plan.load_connections:
        result = load(bench, port, connections)
        floor = load(bench, floor_port, connections)
        if result is None or floor is None:
            continue
        rate = result["ok"] / result["seconds"]
        floor_rate = floor["ok"] / floor["seconds"]
        if result["failed"]:
            bench.anomaly(f"{result['failed']} invokes failed under load ({connections} conns)")
        results[connections], floors[connections] = rate, floor_rate
        ratio = rate / floor_rate if floor_rate else None
        goal = (
            f"   goal >= 0.6x: {verdict(ratio, 0.6, higher_is_better=True)}"
            if connections in (4, 16)
            else ""
        )
        print(
            f"  {connections:>3} connections: {rate:8.0f} invokes/s "
            f"({result['ok']} in {result['seconds']:.1f} s)   instant server {floor_rate:8.0f}/s"
            f"   ratio {fmt_ratio(ratio)}{goal}"
        )
    best = max(results.values()) if results else None
    bench.numbers["throughput"] = {
        "per_connections": results,
        "instant_server_per_connections": floors,
        "ratio_per_connections": {n: results[n] / floors[n] for n in results if floors.get(n)},
        "best_per_s": best,
    }
    print(
        f"  best {best or 0:.0f} invokes/s   goal >= 1,500/s: "
        f"{verdict(best, 1500, higher_is_better=True)}"
    )


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


def start_floor(bench: Bench) -> tuple[Server, int]:
    port = free_port()
    server = Server(
        "floor server",
        [sys.executable, "-c", FLOOR_SERVER, str(port)],
        f"http://127.0.0.1:{port}/ready",
        bench.root / "floor.log",
    )
    return server, port


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
