"""Debugging speed: from the debug command to `stopped` at a breakpoint, against debugpy by hand.

    .venv/bin/python bench/debug.py [--runs N] [--json FILE] [--lsp]

Both sides attach the same small DAP client (tests/dap_client.py) and stop at the same line:
- Lamina: `lamina invoke app.py:handler --debug --debug-port P` (a whole process: it starts the
  environment, debugpy, waits for the client, then invokes);
- by hand: `python -m debugpy --listen 127.0.0.1:P --wait-for-client app_main.py`, which calls the
  same handler once.
- with `--lsp`, also the language server: from sending `lamina.debug` (to a running `lamina lsp`,
  as an editor would) to `stopped`, attaching with the configuration the command returns.
Goal: Lamina's p50 <= 1.0 s. A slow number never fails the run.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from dap_client import DapClient  # noqa: E402

HANDLER = (
    'def handler(event, context):\n    value = event.get("n", 1) * 2\n    return {"value": value}\n'
)
BREAK_LINE = 3
BY_HAND = "from app import handler\nprint(handler({'n': 2}, None))\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def connect(port: int, deadline: float) -> DapClient:
    while True:
        try:
            return DapClient(port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def time_to_stop(command: Callable[[int], list[str]], folder: Path) -> float:
    """Seconds from starting the command to the `stopped` event at the breakpoint."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    started = time.perf_counter()
    proc = subprocess.Popen(
        command(port), cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        client = connect(port, time.monotonic() + 30)
        config = {"connect": {"host": "127.0.0.1", "port": port}, "justMyCode": True}
        client.attach(config, {str(folder / "app.py"): [BREAK_LINE]})
        stopped, _ = client.stopped_frames()
        elapsed = time.perf_counter() - started
        client.resume(stopped["threadId"])
        client.close()
        proc.wait(timeout=30)
        return elapsed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def lsp_times(folder: Path, runs: int) -> list[float]:
    """Seconds from the `lamina.debug` command to `stopped`, through one running language server."""
    import asyncio

    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    def attach_and_stop(config: dict[str, object], started: float) -> float:
        client = DapClient(int(config["connect"]["port"]))  # type: ignore[index]
        try:
            client.attach(config, {str(folder / "app.py"): [BREAK_LINE]})
            stopped, _ = client.stopped_frames()
            elapsed = time.perf_counter() - started
            client.resume(stopped["threadId"])
            return elapsed
        finally:
            client.close()

    async def measure() -> list[float]:
        client = LanguageClient("lamina-bench", "1.0")
        for method in ("window/logMessage", "window/showMessage", "lamina/invocationResult",
                       "lamina/debugReady"):  # fmt: skip
            client.feature(method)(lambda params: None)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        await client.start_io(sys.executable, "-m", "lamina", "lsp", cwd=str(folder), env=env)
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(), root_uri=folder.as_uri()
            )
        )
        client.initialized(types.InitializedParams())
        times = []
        try:
            for _ in range(runs):
                started = time.perf_counter()
                config = await client.workspace_execute_command_async(
                    types.ExecuteCommandParams(
                        command="lamina.debug",
                        arguments=[{"function": "app.py:handler", "eventJson": {"n": 2}}],
                    )
                )
                times.append(await asyncio.to_thread(attach_and_stop, config, started))
        finally:
            await asyncio.wait_for(client.shutdown_async(None), 10)
            client.exit(None)
            await client.stop()
        return times

    return asyncio.run(measure())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--lsp", action="store_true", help="also measure lamina.debug via the LSP")
    args = parser.parse_args()
    lamina = str(Path(sys.executable).with_name("lamina"))
    commands: dict[str, Callable[[int], list[str]]] = {
        "lamina invoke --debug": lambda port: [lamina, "invoke", "app.py:handler", "--debug", "--debug-port", str(port)],
        "python -m debugpy by hand": lambda port: [
            sys.executable, "-m", "debugpy", "--listen", f"127.0.0.1:{port}", "--wait-for-client", "app_main.py",
        ],
    }  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "app.py").write_text(HANDLER)
        (folder / "app_main.py").write_text(BY_HAND)
        for _ in range(args.runs):  # interleaved, so machine load hits both alike
            for name, command in commands.items():
                times[name].append(time_to_stop(command, folder))
        if args.lsp:
            times["lamina.debug (LSP)"] = lsp_times(folder, args.runs)
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    peer = medians["python -m debugpy by hand"]
    print(f"Debug start to breakpoint ({args.runs} runs each, medians; goal: Lamina <= 1000 ms)")
    for name, value in medians.items():
        print(
            f"  {name:<28} {value:8.1f} ms   {value / peer:5.2f}x   min {min(times[name]) * 1000:.1f} ms"
        )
    for name in ("lamina invoke --debug", "lamina.debug (LSP)"):
        if name in medians:
            met = medians[name] <= 1000
            print(f"  goal p50 <= 1.0 s ({name}): {'met' if met else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps({"medians_ms": medians, "runs_s": times}, indent=2))


if __name__ == "__main__":
    main()
