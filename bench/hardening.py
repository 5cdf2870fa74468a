"""What hardening costs and bounds, measured in one run (issue 13).

    .venv/bin/python bench/hardening.py            # ~1-2 min on 2 cores
    .venv/bin/python bench/hardening.py --quick    # a smoke run

1. `lamina lsp` memory against document size: the peak RSS above idle while a Python file of
   1, 4 and 8 MB (over lsp.maxFileSize, so skipped) and one of 1.5 MB (under it, parsed) is
   opened and its lenses asked for. Goal: <= 20x the largest open document.
2. A 10,000-function template: time to its lenses, asked again and after an edit that moves
   every line, until the answer's last byte came (and until this Python client had parsed it,
   which is most of the time on a loaded machine: 7.5 MB of JSON); the server's CPU per request;
   the first lenses after didOpen (the project loads meanwhile: a client that takes
   `workspace/codeLens/refresh` gets Run/Debug/Sync read from the template's lines, then a
   refresh once the load ends, then the complete lenses); the server's peak RSS.
   Goals: <= 1 s, <= 300 MB in all. The peer is a 200-function template in the same run.
   `--part 2` runs only this part.
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
from dataclasses import dataclass
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
        self.arrived_at: dict[int, float] = {}  # when the answer's last byte was read
        self.arrived = threading.Condition()
        self.peak = 0
        self._sampling = True
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._sample, daemon=True).start()
        self.next_id = 1
        self.last_sent = 0.0  # when the last request was sent
        self.refreshed_at: list[float] = []  # when the server sent workspace/codeLens/refresh
        self._writing = threading.Lock()

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
            body = stdout.read(length)
            at = time.perf_counter()
            message = json.loads(body)
            if message.get("method") == "workspace/codeLens/refresh":
                with self.arrived:
                    self.refreshed_at.append(at)
                    self.arrived.notify_all()
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif "id" in message and "method" not in message:
                with self.arrived:
                    self.arrived_at[message["id"]] = at
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
        with self._writing:
            self.proc.stdin.write(frame(message))
            self.proc.stdin.flush()

    def request(self, method: str, params: Any, timeout: float = 120) -> dict[str, Any]:
        return self.timed_request(method, params, timeout)[0]

    def timed_request(
        self, method: str, params: Any, timeout: float = 120
    ) -> tuple[dict[str, Any], float, float]:
        """The answer; the seconds until its last byte came, and until it was parsed here (a
        Python client's json.loads of a 7 MB answer is most of that on a loaded machine)."""
        msg_id = self.next_id
        self.next_id += 1
        sent = self.last_sent = time.perf_counter()
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        with self.arrived:
            if not self.arrived.wait_for(lambda: msg_id in self.answers, timeout):
                raise RuntimeError(f"no answer to {method} in {timeout} s")
            parsed = time.perf_counter()
            return (
                self.answers.pop(msg_id),
                self.arrived_at.pop(msg_id) - sent,
                parsed - sent,
            )

    def start(self, root: Path, refresh: bool = False) -> None:
        capabilities = {"workspace": {"codeLens": {"refreshSupport": True}}} if refresh else {}
        self.request(
            "initialize",
            {"processId": None, "rootUri": root.as_uri(), "capabilities": capabilities},
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
        return self.timed_lenses(path)[0]

    def timed_lenses(self, path: Path) -> tuple[list[Any], float, float]:
        answer, came, parsed = self.timed_request(
            "textDocument/codeLens", {"textDocument": {"uri": path.as_uri()}}
        )
        return list(answer.get("result") or []), came, parsed

    def edit(self, path: Path, version: int, text: str) -> None:
        """Insert `text` at the top of the document (its lines move down)."""
        where = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
        self.send(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didChange",
                "params": {
                    "textDocument": {"uri": path.as_uri(), "version": version},
                    "contentChanges": [{"range": where, "text": text}],
                },
            }
        )

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


@dataclass
class LensRun:
    first: float  # didOpen to the first lenses (the project loads meanwhile)
    first_count: int  # how many (Run/Debug/Sync only, when they came before the load ended)
    refreshed: float  # didOpen to the server's refresh (the load ended); 0: none came
    complete: float  # didOpen to the complete lenses (asked again after the refresh)
    came: list[float]  # the same request again: until the answer's last byte came
    parsed: list[float]  # ... and until this (Python) client had parsed it
    server_cpu: list[float]  # the server's CPU time per request
    edited: list[float]  # after an edit that moves every line: until the answer came
    edited_cpu: list[float]
    count: int
    size: int  # bytes of one answer
    peak: int


def template_lenses(functions: int, rounds: int) -> LensRun:
    """Lens requests on a template of `functions` functions, timed from the client's side; the
    server's CPU time per request, which a loaded machine doesn't inflate."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "src").mkdir()
        (root / "src" / "app.py").write_text(HANDLER)
        path = root / "template.yaml"
        path.write_text(template(functions))
        client = RawClient(root)
        try:
            client.start(root, refresh=True)
            started = time.perf_counter()
            client.open(path, "yaml")
            answer, came, _ = client.timed_request(  # before the load ends, if it is slow
                "textDocument/codeLens", {"textDocument": {"uri": path.as_uri()}}
            )
            first = came + (client.last_sent - started)  # its last byte, not yet json.loads'd
            lenses = list(answer.get("result") or [])
            first_count = len(lenses)
            if first_count != 4 * functions:  # early ones: a refresh comes once the load ends
                with client.arrived:
                    client.arrived.wait_for(lambda: bool(client.refreshed_at), 120)
            refreshed = client.refreshed_at[0] - started if client.refreshed_at else 0.0
            lenses = client.lenses(path)  # complete now
            complete = time.perf_counter() - started
            run = LensRun(
                first, first_count, refreshed, complete, [], [], [], [], [], len(lenses), 0, 0
            )
            run.size = len(json.dumps(lenses, ensure_ascii=True, separators=(",", ":")))
            server = psutil.Process(client.proc.pid)

            def cpu() -> float:
                return float(sum(server.cpu_times()[:2]))

            for _ in range(rounds):
                used = cpu()
                _, came, parsed = client.timed_lenses(path)
                run.server_cpu.append(cpu() - used)
                run.came.append(came)
                run.parsed.append(parsed)
            for version in range(2, 2 + rounds):
                used = cpu()
                client.edit(path, version, "# an edit\n")
                found, came, _ = client.timed_lenses(path)
                assert found[0]["range"]["start"]["line"] == version, "lenses of an old version"
                run.edited_cpu.append(cpu() - used)
                run.edited.append(came)
            run.peak = client.peak
            return run
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
    parser.add_argument("--part", type=int, choices=(1, 2, 3), help="run only this part")
    args = parser.parse_args()
    quick = args.quick
    rounds = 3 if quick else 7
    if args.part in (None, 1):
        memory_part(quick)
    if args.part in (None, 2):
        lens_part(rounds)
    if args.part in (None, 3):
        invoke_part(quick)
    return 0


def memory_part(quick: bool) -> None:
    print("1. lamina lsp: peak RSS above idle while a document is opened and its lenses asked")
    for label, size, growth in memory_against_size(quick):
        ratio = growth / size
        print(
            f"   {label:<14} +{growth / 1e6:7.1f} MB  = {ratio:5.1f}x its size  "
            f"({'met' if ratio <= 20 else 'NOT met'}: <= 20x)"
        )


def lens_part(rounds: int) -> None:
    print("2. lenses on a template, and the server's peak RSS (p50s; 'came' = the answer's last")
    print("   byte read, 'parsed' = this Python client's json.loads of it done too)")
    small = template_lenses(200, rounds)
    large = template_lenses(10_000, rounds)
    median = statistics.median
    for label, run in (("200 functions", small), ("10,000 functions", large)):
        print(
            f"   {label:<17} again: came {median(run.came) * 1000:7.1f} ms, parsed "
            f"{median(run.parsed) * 1000:7.1f} ms, server CPU {median(run.server_cpu) * 1000:6.1f} ms"
            f"; after an edit: came {median(run.edited) * 1000:7.1f} ms, server CPU "
            f"{median(run.edited_cpu) * 1000:6.1f} ms  ({run.count} lenses, {run.size / 1e6:.1f} MB)"
        )
    goal = max(median(large.came), median(large.edited))
    print(
        f"   10,000 functions: {median(large.came) / median(small.came):.1f}x (again) and "
        f"{median(large.edited) / median(small.edited):.1f}x (after an edit) the 200-function "
        f"template; {'met' if goal <= 1 else 'NOT met'}: <= 1 s"
    )
    for label, run in (("200 functions", small), ("10,000 functions", large)):
        refreshed = f"refresh at {run.refreshed:.2f} s" if run.refreshed else "no refresh"
        print(
            f"   {label:<17} first lenses after didOpen: {run.first:.2f} s ({run.first_count} "
            f"lenses), {refreshed}, complete lenses at {run.complete:.2f} s ({run.count})"
        )
    print(
        f"   first lenses on 10,000 functions {large.first / small.first:.1f}x the 200-function "
        f"template's; {'met' if large.first <= 1 else 'NOT met'}: <= 1 s "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    peak = large.peak
    print(f"   peak RSS {peak / 1e6:.0f} MB ({'met' if peak <= 300e6 else 'NOT met'}: <= 300 MB)")


def invoke_part(quick: bool) -> None:
    print("3. warm invoke with sealed environments")
    invoke_p50, check_p50 = warm_invoke(200 if quick else 1000)
    print(
        f"   warm invoke p50 {invoke_p50 * 1000:.3f} ms; one connection check "
        f"{check_p50 * 1000:.3f} ms, paid once per keep-alive connection "
        f"(= {check_p50 / invoke_p50:.1f} warm invokes, once per environment)"
    )


if __name__ == "__main__":
    sys.exit(main())
