"""Sections 1 and 2 of bench/emulator.py: warm Invoke latency (boto3 and raw keep-alive, with the
CPU each invoke cost) and throughput, both against a server that answers at once."""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import sys
import time
from typing import Any

from emulator_common import (
    FUNCTION,
    INVOKE_PATH,
    Bench,
    fmt_ms,
    fmt_ratio,
    percentile,
    section,
    timed,
    verdict,
)
from serving import Server, cpu_us, free_port

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
        ratio = p50 / base50 if p50 is not None and base50 else None
        bench.numbers[f"invoke_{key}"] = {
            "n": len(xs),
            "p50_ms": p50,
            "p99_ms": p99,
            "floor_p50_ms": base50,
            "p50_minus_floor_ms": server_side,
            "p50_over_floor": ratio,
        }
        print(
            f"  {label:<24} {len(xs):>5} {fmt_ms(p50):>10} {fmt_ms(p99):>10} "
            f"{fmt_ms(base50):>10} {fmt_ms(server_side):>12}"
            f"   goal p50 <= {goal} ms: {verdict(p50, goal)}"
        )
    ratio = bench.numbers["invoke_boto3"]["p50_over_floor"]
    print(  # issue 17's goal: a load on the machine slows both alike
        f"  boto3 p50 / the instant server's: {fmt_ratio(ratio)}   goal <= 1.3x: "
        f"{verdict(ratio, 1.3)}"
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


def start_floor(bench: Bench) -> tuple[Server, int]:
    port = free_port()
    server = Server(
        "floor server",
        [sys.executable, "-c", FLOOR_SERVER, str(port)],
        f"http://127.0.0.1:{port}/ready",
        bench.root / "floor.log",
    )
    return server, port
