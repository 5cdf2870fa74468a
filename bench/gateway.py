"""`lamina api` against the floor (a bare aiohttp server) and serverless-offline, in one run.

    .venv/bin/python bench/gateway.py              # full run (installs serverless-offline once)
    .venv/bin/python bench/gateway.py --quick      # fewer requests
    .venv/bin/python bench/gateway.py --no-peer    # without serverless-offline (no npm)

The same client for all three: a keep-alive http.client loop per client (Python threads),
GET /hello answered by a trivial handler (`{"statusCode": 200, "body": "{\\"ok\\": true}"}`), or
by the floor with the same JSON. serverless-offline 13.x on Serverless 3 (14.x needs Serverless 4,
which needs a login) is npm-installed once into build/bench-serverless/ (not committed).

Measured: p50/p99 latency with 1 client, throughput with 1 and 4 clients, process start to the
first answer, and save → the next request answering with the new code (`--saves` a round, 5 by
default, 0.3 s apart; the median of all). The WebSocket round trip
is bench/gateway_ws.py's. The servers take turns
(floor, lamina, peer) round after round, so machine load hits all three; medians over rounds.
A slow number never fails the run; the exit status is 1 only when something could not be
measured.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NPM_DIR = ROOT / "build" / "bench-serverless"
PEER_PACKAGES = ("serverless@3", "serverless-offline@13.10")
BODY = {"ok": True}

HANDLER = """VERSION = "v1"


def handler(event, context):
    return {"statusCode": 200, "headers": {"X-Version": VERSION}, "body": '{"ok": true}'}
"""

TEMPLATE = """Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      CodeUri: .
      Handler: handler.handler
      Events:
        Hello:
          Type: Api
          Properties: {Path: /hello, Method: get}
"""

SERVERLESS_YML = """service: bench
frameworkVersion: "3"
provider:
  name: aws
  runtime: python3.11
plugins:
  - serverless-offline
functions:
  hello:
    handler: handler.handler
    events:
      - http: {path: hello, method: get}
"""

FLOOR = """import sys
from aiohttp import web
BODY = b'{"ok": true}'
async def hello(request):
    return web.Response(body=BODY, content_type="application/json")
app = web.Application()
app.router.add_get("/hello", hello)
try:
    import uvloop
    loop_factory = uvloop.new_event_loop
except ImportError:
    loop_factory = None
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None,
            **({"loop": loop_factory()} if loop_factory else {}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """One server under test, as a process, with its start-to-first-answer time."""

    def __init__(self, name: str, command: list[str], cwd: Path, port: int, env: dict[str, str]):
        self.name, self.port = name, port
        # Outside the app: a log in the code folder would be a code change to watch.
        self.log = open(cwd.parent / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            command,
            cwd=cwd,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        self.start_s = wait_for_answer(port, self.proc, started)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def wait_for_answer(port: int, proc: subprocess.Popen[bytes], started: float) -> float:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode} before answering")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/hello")
            response = connection.getresponse()
            body = response.read()
            connection.close()
            if response.status == 200 and json.loads(body) == BODY:
                return time.perf_counter() - started
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(0.005)
    raise RuntimeError("no answer within 90 s")


def client_loop(port: int, count: int, latencies: list[float]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(count):
        t0 = time.perf_counter()
        connection.request("GET", "/hello")
        response = connection.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - t0)
        if response.status != 200 or json.loads(body) != BODY:
            raise RuntimeError(f"unexpected answer {response.status} {body[:200]!r}")
    connection.close()


def measure(port: int, clients: int, count: int) -> tuple[list[float], float]:
    """Per-request latencies and requests per second with `clients` concurrent clients."""
    latencies: list[float] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            client_loop(port, count, latencies)
        except BaseException as e:  # noqa: BLE001 - reported after the join
            errors.append(e)

    # Warm the server, and as many environments as there will be clients.
    warmers = [threading.Thread(target=client_loop, args=(port, 50, [])) for _ in range(clients)]
    for thread in warmers:
        thread.start()
    for thread in warmers:
        thread.join()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return latencies, clients * count / elapsed


def process_tree(pid: int) -> list[int]:
    """The pid and its descendants (Linux /proc; just the pid elsewhere)."""
    found = [pid]
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as file:
                children = file.read().split()
        except OSError:
            continue
        for child in children:
            found.extend(process_tree(int(child)))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU of these processes so far (0 where /proc can't say)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def save_to_new_code(port: int, handler: Path, round_no: int) -> float:
    """Seconds from writing a new handler to the first answer that runs it."""
    version = f"r{round_no}"
    text = HANDLER.replace('"v1"', f'"{version}"')
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    t0 = time.perf_counter()
    handler.write_text(text)
    while True:
        connection.request("GET", "/hello")
        response = connection.getresponse()
        response.read()
        if response.getheader("X-Version") == version:
            connection.close()
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > 30:
            raise RuntimeError("the new code never answered")


def install_peer(npm_dir: Path) -> Path | None:
    binary = npm_dir / "node_modules" / "serverless" / "bin" / "serverless.js"
    if binary.is_file():
        return binary
    if shutil.which("npm") is None:
        return None
    npm_dir.mkdir(parents=True, exist_ok=True)
    (npm_dir / "package.json").write_text('{"name": "bench-serverless", "private": true}')
    print(f"installing {' '.join(PEER_PACKAGES)} into {npm_dir} (once)", file=sys.stderr)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *PEER_PACKAGES],
        cwd=npm_dir,
        check=True,
        timeout=600,
    )
    return binary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--saves", type=int, default=5, help="saves timed per round")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--npm-dir", type=Path, default=NPM_DIR, help="where serverless lives")
    args = parser.parse_args()
    count = 300 if args.quick else 1500
    rounds = 1 if args.quick else args.rounds
    peer_js = None if args.no_peer else install_peer(args.npm_dir)

    work = Path(tempfile.mkdtemp(prefix="lamina-bench-gateway-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off", SLS_DEPRECATION_DISABLE="*"
    )
    apps = {}
    for name in ("lamina", "peer"):
        app = work / name
        app.mkdir()
        (app / "handler.py").write_text(HANDLER)
        (app / "template.yaml").write_text(TEMPLATE)
        (app / "serverless.yml").write_text(SERVERLESS_YML)
        apps[name] = app
    (work / "floor").mkdir()
    (work / "floor" / "floor.py").write_text(FLOOR)

    def commands(port: int) -> dict[str, tuple[list[str], Path]]:
        out = {
            "floor": ([sys.executable, "floor.py", str(port)], work / "floor"),
            "lamina": (
                [sys.executable, "-m", "lamina", "api", "--port", str(port)],
                apps["lamina"],
            ),
        }
        if peer_js is not None:
            out["serverless-offline"] = (
                [
                    "node",
                    str(peer_js),
                    "offline",
                    "start",
                    "--httpPort",
                    str(port),
                    "--lambdaPort",
                    str(free_port()),
                    "--noPrependStageInUrl",
                    "--noTimeout",
                ],
                apps["peer"],
            )
        return out

    results: dict[str, dict[str, list[float]]] = {}
    failures: list[str] = []
    try:
        for round_no in range(rounds):
            for name, (command, cwd) in commands(0).items():
                port = free_port()
                command = [str(port) if part == "0" else part for part in commands(port)[name][0]]
                stats = results.setdefault(name, {})
                try:
                    server = Server(name, command, cwd, port, env)
                except RuntimeError as e:
                    failures.append(f"{name}: {e} (log: {cwd.parent / (name + '.log')})")
                    continue
                try:
                    stats.setdefault("start_s", []).append(server.start_s)
                    measure(port, 1, 100)  # the environments and connections warm
                    pids = process_tree(server.proc.pid)  # the server and its environments
                    cpu_before = cpu_seconds(pids)
                    latencies, rps1 = measure(port, 1, count)
                    cpu_used = cpu_seconds(pids) - cpu_before
                    # CPU time per request: steadier than wall time on a loaded machine.
                    stats.setdefault("cpu_us", []).append(cpu_used / (count + 50) * 1e6)
                    stats.setdefault("p50_ms", []).append(percentile(latencies, 0.5) * 1000)
                    stats.setdefault("p99_ms", []).append(percentile(latencies, 0.99) * 1000)
                    stats.setdefault("rps_1", []).append(rps1)
                    _, rps4 = measure(port, 4, count // 2)
                    stats.setdefault("rps_4", []).append(rps4)
                    if name == "lamina":  # serverless-offline reloads only with --reloadHandler
                        for save in range(args.saves):  # apart, as edits are
                            time.sleep(0.3)
                            number = round_no * args.saves + save
                            reload = save_to_new_code(port, cwd / "handler.py", number)
                            stats.setdefault("reload_ms", []).append(reload * 1000)
                        (cwd / "handler.py").write_text(HANDLER)
                except (RuntimeError, OSError, http.client.HTTPException) as e:
                    failures.append(f"{name}: {e}")
                finally:
                    server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    report(results, count, rounds)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    for failure in failures:
        print(f"ANOMALY {failure}")
    return 1 if failures else 0


def report(results: dict[str, dict[str, list[float]]], count: int, rounds: int) -> None:
    def med(name: str, key: str) -> float | None:
        values = results.get(name, {}).get(key)
        return statistics.median(values) if values else None

    print(f"\nGET /hello, a warm trivial handler; {count} requests per client, {rounds} round(s)")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end: {load} on {os.cpu_count()} CPUs (compare the ratios)")
    names = [n for n in ("floor", "lamina", "serverless-offline") if n in results]
    rows = (
        ("p50_ms", "p50 (ms)"),
        ("p99_ms", "p99 (ms)"),
        ("rps_1", "req/s, 1 client"),
        ("rps_4", "req/s, 4 clients"),
        ("cpu_us", "server CPU per request (µs)"),
        ("start_s", "start → first answer (s)"),
        ("reload_ms", "save → new code answers (ms)"),
    )
    print(f"{'':32}" + "".join(f"{n:>20}" for n in names))
    for key, label in rows:
        cells = []
        for name in names:
            value = med(name, key)
            cells.append(f"{value:>20.3f}" if value is not None else f"{'-':>20}")
        print(f"{label:32}" + "".join(cells))

    def ratio(key: str, peer: str) -> float | None:
        mine, theirs = med("lamina", key), med(peer, key)
        return mine / theirs if mine is not None and theirs else None

    def goal(label: str, value: float | None, limit: float, higher: bool = False) -> None:
        if value is None:
            print(f"  {label}: not measured")
            return
        met = value >= limit if higher else value <= limit
        sign = ">=" if higher else "<="
        print(f"  {label}: {value:.2f} (goal {sign} {limit}) {'met' if met else 'NOT met'}")

    print("\nRatios (lamina / peer) and the issue's goals:")
    goal("p50 vs the aiohttp floor", ratio("p50_ms", "floor"), 1.5)
    goal("p50 vs serverless-offline", ratio("p50_ms", "serverless-offline"), 0.6)
    goal("p99 (ms)", med("lamina", "p99_ms"), 3.0)
    cpu = ratio("cpu_us", "serverless-offline")
    if cpu is not None:
        print(f"  server CPU per request vs serverless-offline: {cpu:.2f} (no goal; load-steady)")
    goal("req/s 1 client vs serverless-offline", ratio("rps_1", "serverless-offline"), 1.5, True)
    goal("req/s 4 clients vs serverless-offline", ratio("rps_4", "serverless-offline"), 1.5, True)
    goal("req/s 1 client vs the floor", ratio("rps_1", "floor"), 0.6, True)
    goal("req/s 4 clients vs the floor", ratio("rps_4", "floor"), 0.6, True)
    goal("start → first answer vs serverless-offline", ratio("start_s", "serverless-offline"), 0.3)
    goal("save → new code answers (ms)", med("lamina", "reload_ms"), 25.0)
    print("  (the WebSocket round trip: bench/gateway_ws.py, against serverless-offline too)")


if __name__ == "__main__":
    sys.exit(main())
