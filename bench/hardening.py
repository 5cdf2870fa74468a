"""What hardening costs and bounds, measured in one run (issue 13).

    .venv/bin/python bench/hardening.py            # ~1-2 min on 2 cores
    .venv/bin/python bench/hardening.py --quick    # a smoke run

1. `lamina lsp` memory against document size: the peak RSS above idle while a Python file of
   1, 4 and 8 MB (over lsp.maxFileSize, so skipped) and one of 1.5 MB (under it, parsed) is
   opened and its lenses asked for. Goal: <= 20x the largest open document.
2. A 10,000-function template: time to its lenses (after the project has loaded, which happens
   in the background) and the server's peak RSS. Goals: <= 1 s, <= 300 MB in all. The peer is
   the same request on a 200-function template in the same run.
3. The warm invoke with sealed environments (the Runtime API checks each connection's process
   once): p50 of a warm invoke through the runtime pool, against the cost of one connection
   check (`peer_process.connection_from_tree`), paid once per keep-alive connection.

A slow number never fails the run; it is reported as "not met".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class RawClient:
    """`lamina lsp` over pipes, with a thread that reads answers and one that samples RSS."""

    def __init__(self, root: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lamina", "lsp"],
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.answers: dict[int, dict[str, Any]] = {}
        self.arrived = threading.Condition()
        self.peak = 0
        self._sampling = True
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._sample, daemon=True).start()
        self.next_id = 1

    def _read(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = stdout.read(1)
                if not byte:
                    return
                header += byte
            length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            message = json.loads(stdout.read(length))
            if "id" in message and "method" not in message:
                with self.arrived:
                    self.answers[message["id"]] = message
                    self.arrived.notify_all()

    def _sample(self) -> None:
        process = psutil.Process(self.proc.pid)
        while self._sampling:
            try:
                self.peak = max(self.peak, process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.01)

    def rss(self) -> int:
        return int(psutil.Process(self.proc.pid).memory_info().rss)

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(message))
        self.proc.stdin.flush()

    def request(self, method: str, params: Any, timeout: float = 120) -> dict[str, Any]:
        msg_id = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        with self.arrived:
            if not self.arrived.wait_for(lambda: msg_id in self.answers, timeout):
                raise RuntimeError(f"no answer to {method} in {timeout} s")
            return self.answers.pop(msg_id)

    def start(self, root: Path) -> None:
        self.request(
            "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}
        )
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def open(self, path: Path, language: str) -> None:
        item = {
            "uri": path.as_uri(),
            "languageId": language,
            "version": 1,
            "text": path.read_text(),
        }
        self.send(
            {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}}
        )

    def lenses(self, path: Path) -> list[Any]:
        answer = self.request("textDocument/codeLens", {"textDocument": {"uri": path.as_uri()}})
        return list(answer.get("result") or [])

    def stop(self) -> None:
        self._sampling = False
        self.proc.kill()
        self.proc.wait()


def python_file(path: Path, size: int) -> None:
    lines = [HANDLER]
    total = len(HANDLER)
    index = 0
    while total < size:
        line = f"def helper_{index}(a, b):\n    return a + b + {index}\n"
        lines.append(line)
        total += len(line)
        index += 1
    path.write_text("".join(lines))


def template(functions: int) -> str:
    resources = "".join(
        f"  Function{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.12\n"
        for i in range(functions)
    )
    return "Resources:\n" + resources


def memory_against_size(quick: bool) -> list[tuple[str, int, int]]:
    rows = []
    sizes = [1_500_000, 1 << 20, 4 << 20] if quick else [1_500_000, 1 << 20, 4 << 20, 8 << 20]
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "template.yaml").write_text(template(1))
            (root / "src").mkdir()
            (root / "src" / "app.py").write_text(HANDLER)
            big = root / "src" / "big.py"
            python_file(big, size)
            client = RawClient(root)
            try:
                client.start(root)
                client.lenses(root / "src" / "app.py")  # the project has loaded
                time.sleep(0.3)
                idle = client.rss()
                client.peak = idle
                client.open(big, "python")
                client.lenses(big)
                time.sleep(0.2)
                rows.append((f"{size / 1e6:.1f} MB file", size, client.peak - idle))
            finally:
                client.stop()
    return rows


def template_lenses(functions: int, rounds: int) -> tuple[list[float], list[float], int, int]:
    """Wall time per lens request, and the CPU time the server and this client (reading and
    parsing the answer) spent on it, which a loaded machine doesn't inflate; the lens count and
    the server's peak RSS."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "src").mkdir()
        (root / "src" / "app.py").write_text(HANDLER)
        path = root / "template.yaml"
        path.write_text(template(functions))
        client = RawClient(root)
        try:
            client.start(root)
            client.open(path, "yaml")
            count = len(client.lenses(path))  # waits for the project to load
            times, cpu = [], []
            server = psutil.Process(client.proc.pid)
            for _ in range(rounds):
                started, used = time.perf_counter(), sum(server.cpu_times()[:2])
                own = time.process_time()
                client.lenses(path)
                times.append(time.perf_counter() - started)
                cpu.append(sum(server.cpu_times()[:2]) - used + time.process_time() - own)
            return times, cpu, count, client.peak
        finally:
            client.stop()


def warm_invoke(rounds: int) -> tuple[float, float]:
    from lamina.runtime import peer_process
    from lamina.runtime.config import FunctionConfig, RuntimeOptions
    from lamina.runtime.invocation import InvocationRequest
    from lamina.runtime.pool import RuntimePool

    async def go() -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as folder:
            code = Path(folder)
            (code / "app.py").write_text(HANDLER)
            config = FunctionConfig(function_name="bench", handler="app.handler", code_dir=code)
            async with RuntimePool(RuntimeOptions()) as pool:
                for _ in range(20):
                    await pool.invoke(config, InvocationRequest.from_json({}))
                times = []
                for _ in range(rounds):
                    started = time.perf_counter()
                    await pool.invoke(config, InvocationRequest.from_json({}))
                    times.append(time.perf_counter() - started)
            # One connection check, as the Runtime API makes it when an environment's runtime
            # connects: here a child process that connected, as a runtime would.
            server = socket.create_server(("127.0.0.1", 0))
            port = server.getsockname()[1]
            connect = "import socket, sys, time; c = socket.create_connection(('127.0.0.1', "
            connect += f"{port})); time.sleep(60)"
            child = subprocess.Popen([sys.executable, "-c", connect])
            accepted, peer = server.accept()
            checks = []
            for _ in range(50):
                started = time.perf_counter()
                assert peer_process.connection_from_tree(child.pid, peer[1], port)
                checks.append(time.perf_counter() - started)
            child.kill()
            child.wait()
            accepted.close()
            server.close()
            return statistics.median(times), statistics.median(checks)

    return asyncio.run(go())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    rounds = 3 if quick else 7

    print("1. lamina lsp: peak RSS above idle while a document is opened and its lenses asked")
    for label, size, growth in memory_against_size(quick):
        ratio = growth / size
        print(
            f"   {label:<14} +{growth / 1e6:7.1f} MB  = {ratio:5.1f}x its size  "
            f"({'met' if ratio <= 20 else 'NOT met'}: <= 20x)"
        )

    print("2. lenses on a template (after the project load), and the server's peak RSS")
    small, _, small_count, _ = template_lenses(200, rounds)
    large, large_cpu, large_count, peak = template_lenses(10_000, rounds)
    small_p50, large_p50 = statistics.median(small), statistics.median(large)
    print(f"   200 functions    p50 {small_p50 * 1000:8.1f} ms  ({small_count} lenses)")
    print(
        f"   10,000 functions p50 {large_p50 * 1000:8.1f} ms  ({large_count} lenses), "
        f"{large_p50 / small_p50:.1f}x the 200-function template; "
        f"{'met' if large_p50 <= 1 else 'NOT met'}: <= 1 s"
    )
    print(
        f"   10,000 functions: CPU time of server + client p50 {statistics.median(large_cpu):.3f} s"
        f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    print(f"   peak RSS {peak / 1e6:.0f} MB ({'met' if peak <= 300e6 else 'NOT met'}: <= 300 MB)")

    print("3. warm invoke with sealed environments")
    invoke_p50, check_p50 = warm_invoke(200 if quick else 1000)
    print(
        f"   warm invoke p50 {invoke_p50 * 1000:.3f} ms; one connection check "
        f"{check_p50 * 1000:.3f} ms, paid once per keep-alive connection "
        f"(= {check_p50 / invoke_p50:.1f} warm invokes, once per environment)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
