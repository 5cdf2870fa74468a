"""The language server's speed, measured from the client's side, in one run.

    .venv/bin/python bench/lsp.py            # ~20-30 s
    .venv/bin/python bench/lsp.py --quick    # a smoke run, ~10 s

1. Process start to the `initialize` response: `lamina lsp` (the console script, and
   `python -m lamina lsp`) against a bare pygls 2.x server started the same way, interleaved.
   Goal: <= 1.2x the bare server.
2. textDocument/codeLens for one handler file in a generated workspace of 2,000 Python files
   with a 200-function template. Goal: p50 <= 10 ms.
3. A lamina.run round trip on a warm environment (request to response, with the log message,
   the notification and the summary it sends). Goal: p50 <= 5 ms.

A slow number never fails the run; it is reported as "not met". The exit status is 1 only
when something could not be measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

BARE_SERVER = """\
from pygls.lsp.server import LanguageServer
from lsprotocol import types

server = LanguageServer("bare", "1.0")


@server.feature(types.TEXT_DOCUMENT_CODE_LENS)
def code_lens(ls, params):
    return []


server.start_io()
"""
FUNCTIONS = 200
FILES = 2000
HANDLER = """\
import json

import helpers_{index}_0


def handler(event, context):
    return {{"function": {index}, "echo": event}}


def helper(value):
    return json.dumps(value)
"""


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def time_to_initialize(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Seconds from spawning the server to reading its initialize response."""
    initialize = frame(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": os.getpid(), "rootUri": cwd.as_uri(), "capabilities": {}},
        }
    )
    started = time.perf_counter()
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # noqa
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(initialize)
    proc.stdin.flush()
    header = b""
    while not header.endswith(b"\r\n\r\n"):
        byte = proc.stdout.read(1)
        if not byte:
            raise RuntimeError(f"{command} exited before answering initialize")
        header += byte
    length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    body = json.loads(proc.stdout.read(length))
    elapsed = time.perf_counter() - started
    if body.get("id") != 1 or "result" not in body:
        raise RuntimeError(f"unexpected answer: {body}")
    proc.stdin.write(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
    proc.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
    proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return elapsed


def generate_workspace(root: Path) -> Path:
    """200 functions in their own folders, 2,000 Python files in all, one template."""
    resources = []
    per_function = FILES // FUNCTIONS
    for index in range(FUNCTIONS):
        folder = root / "functions" / f"fn_{index}"
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
        (folder / "app.py").write_text(HANDLER.format(index=index))
        for helper in range(per_function - 2):
            (folder / f"helpers_{index}_{helper}.py").write_text(
                f"def compute_{helper}(a, b):\n    return a + b\n"
            )
        resources.append(
            f"  Function{index}:\n"
            "    Type: AWS::Serverless::Function\n"
            "    Properties:\n"
            f"      CodeUri: functions/fn_{index}/\n"
            "      Handler: app.handler\n"
            "      Runtime: python3.12\n"
            "      Environment:\n"
            "        Variables:\n"
            f"          INDEX: '{index}'\n"
        )
    (root / "template.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        "Transform: AWS::Serverless-2016-10-31\n"
        "Globals:\n  Function:\n    Timeout: 10\n"
        "Resources:\n" + "\n".join(resources)
    )
    (root / "events").mkdir()
    (root / "events" / "ping.json").write_text('{"ping": true}\n')
    return root / "functions" / "fn_100" / "app.py"


async def start_client(root: Path, env: dict[str, str]) -> LanguageClient:
    client = LanguageClient("lamina-bench", "1.0")
    for method in ("window/logMessage", "window/showMessage", "lamina/invocationResult"):
        client.feature(method)(lambda params: None)
    await client.start_io(sys.executable, "-m", "lamina", "lsp", cwd=str(root), env=env)
    capabilities = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            code_lens=types.CodeLensWorkspaceClientCapabilities(refresh_support=False)
        )
    )
    await client.initialize_async(
        types.InitializeParams(capabilities=capabilities, root_uri=root.as_uri())
    )
    client.initialized(types.InitializedParams())
    return client


async def stop_client(client: LanguageClient) -> None:
    try:
        await asyncio.wait_for(client.shutdown_async(None), 10)
        client.exit(None)
    finally:
        await client.stop()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def measure_lenses_and_runs(
    root: Path, handler: Path, env: dict[str, str], rounds: int
) -> tuple[list[float], list[float], int]:
    client = await start_client(root, env)
    try:
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=handler.as_uri(), language_id="python", version=1, text=handler.read_text()
                )
            )
        )
        params = types.CodeLensParams(
            text_document=types.TextDocumentIdentifier(uri=handler.as_uri())
        )
        first = await client.text_document_code_lens_async(params)  # waits for the project load
        lens_count = len(first or [])
        lens_times: list[float] = []
        for _ in range(rounds):
            started = time.perf_counter()
            await client.text_document_code_lens_async(params)
            lens_times.append(time.perf_counter() - started)

        run = types.ExecuteCommandParams(
            command="lamina.run", arguments=[{"function": "Function100", "event": "ping"}]
        )
        for _ in range(3):  # the cold start, then warm
            answer = await client.workspace_execute_command_async(run)
            if not answer or not answer["ok"]:
                raise RuntimeError(f"lamina.run failed: {answer}")
        run_times: list[float] = []
        for _ in range(rounds):
            started = time.perf_counter()
            answer = await client.workspace_execute_command_async(run)
            run_times.append(time.perf_counter() - started)
            if answer["cold"]:
                raise RuntimeError("a warm run started cold")
        return lens_times, run_times, lens_count
    finally:
        await stop_client(client)


def status(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    arguments = parser.parse_args()
    start_rounds = 5 if arguments.quick else 11
    request_rounds = 60 if arguments.quick else 300
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"})
    lamina_script = Path(sys.executable).with_name("lamina")
    anomalies: list[str] = []

    with tempfile.TemporaryDirectory(prefix="lamina-bench-lsp-") as temp:
        work = Path(temp)
        bare = work / "bare_server.py"
        bare.write_text(BARE_SERVER)
        empty = work / "empty"
        empty.mkdir()
        commands = {
            "bare pygls": [sys.executable, str(bare)],
            "lamina lsp": [str(lamina_script), "lsp"],
            "python -m lamina lsp": [sys.executable, "-m", "lamina", "lsp"],
        }
        if not lamina_script.exists():
            del commands["lamina lsp"]
        starts: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():  # warm the OS caches, untimed
            time_to_initialize(command, empty, env)
        for _ in range(start_rounds):  # interleaved, so machine load hits every side
            for name, command in commands.items():
                try:
                    starts[name].append(time_to_initialize(command, empty, env))
                except RuntimeError as e:
                    anomalies.append(f"{name}: {e}")

        root = work / "workspace"
        root.mkdir()
        handler = generate_workspace(root)
        python_files = sum(1 for _ in root.rglob("*.py"))
        try:
            lens_times, run_times, lens_count = asyncio.run(
                measure_lenses_and_runs(root, handler, env, request_rounds)
            )
        except Exception as e:
            anomalies.append(f"lenses/run: {e}")
            lens_times, run_times, lens_count = [], [], 0
        shutil.rmtree(root, ignore_errors=True)

    print(f"Python {sys.version.split()[0]} on {os.cpu_count()} CPUs")
    print("\n1. process start -> initialize response (median of", start_rounds, "interleaved)")
    bare_median = statistics.median(starts["bare pygls"]) if starts["bare pygls"] else 0.0
    print(f"   {'bare pygls 2.x server':<24} {bare_median * 1000:8.1f} ms")
    ratios = []
    for name in commands:
        if name == "bare pygls" or not starts[name]:
            continue
        median = statistics.median(starts[name])
        ratio = median / bare_median if bare_median else float("nan")
        ratios.append(ratio)
        print(f"   {name:<24} {median * 1000:8.1f} ms   {ratio:5.2f}x   (goal <= 1.2x)")
    if lens_times:
        p50 = statistics.median(lens_times) * 1000
        p90 = percentile(lens_times, 0.9) * 1000
        print(
            f"\n2. codeLens, one file of {python_files} Python files, {FUNCTIONS}-function template"
        )
        print(f"   {lens_count} lenses; p50 {p50:.2f} ms, p90 {p90:.2f} ms over {len(lens_times)} "
              f"requests   (goal p50 <= 10 ms: {status(p50 <= 10)})")  # fmt: skip
    if run_times:
        p50 = statistics.median(run_times) * 1000
        p90 = percentile(run_times, 0.9) * 1000
        print("\n3. lamina.run round trip, warm environment, from the client")
        print(f"   p50 {p50:.2f} ms, p90 {p90:.2f} ms over {len(run_times)} runs"
              f"   (goal p50 <= 5 ms: {status(p50 <= 5)})")  # fmt: skip
    if ratios:
        print(f"\nstart-up ratio (lamina lsp / bare): {ratios[0]:.2f}x: {status(ratios[0] <= 1.2)}")
    if anomalies:
        print("\nAnomalies:")
        for anomaly in anomalies:
            print(f"  - {anomaly}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
