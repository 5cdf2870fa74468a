"""`lamina serve --api`: save → the emulator's copy answers with the new code, against the API's
own save → new code, in the same process and run.

    .venv/bin/python bench/serve_sync.py [--rounds 5] [--saves 5]

One `lamina serve --api` on a temp project: ApiFunction on GET /hi (the API runs it) and
GreeterFunction (FunctionName BenchGreeter, on no route: only the emulator has it). Each save
writes a new version into one function's handler and polls, over one keep-alive connection, until
the answer carries it: GET /hi for the API, the emulator's Invoke of BenchGreeter for the copy.
The two take turns save after save (which goes first alternates by round), 0.3 s apart, so load
hits both; medians of all saves. The issue's goal for the API is 25 ms. The exit status is 1 only
when something could not be measured.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.11, Handler: app.handler, Timeout: 10}
Resources:
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: api/
      Events:
        Hi: {Type: HttpApi, Properties: {Path: /hi, Method: get}}
  GreeterFunction:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: BenchGreeter, CodeUri: greeter/}
"""
API_HANDLER = 'def handler(event, context):\n    return {"statusCode": 200, "body": "VERSION"}\n'
GREETER_HANDLER = 'def handler(event, context):\n    return "VERSION"\n'
TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def timed_save(handler: Path, text: str, version: str, ask: Callable[[], str]) -> float:
    """Seconds from writing `text` (with `version`) to the first answer that carries it."""
    t0 = time.perf_counter()
    handler.write_text(text.replace("VERSION", version))
    while True:
        if ask() == version:
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > TIMEOUT_S:
            raise RuntimeError(f"{handler}: the new code never answered")


def asker(port: int, method: str, path: str, decode: Callable[[bytes], str]) -> Callable[[], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)

    def ask() -> str:
        connection.request(method, path, body=b"{}" if method == "POST" else None)
        response = connection.getresponse()
        return decode(response.read())

    return ask


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--saves", type=int, default=5, help="saves per side per round")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="lamina-serve-sync-"))
    (root / "template.yaml").write_text(TEMPLATE)
    for folder, text in (("api", API_HANDLER), ("greeter", GREETER_HANDLER)):
        (root / folder).mkdir()
        (root / folder / "app.py").write_text(text.replace("VERSION", "v0"))
    emulator_port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    log_path = root / "serve.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamina", "serve", "--port", str(emulator_port), "--data-dir",
         str(root / "data"), "--api", "--api-port", str(api_port)],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    times: dict[str, list[float]] = {"api": [], "emulator": []}
    try:
        deadline = time.monotonic() + 60
        while "lamina api: serving" not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                print(log_path.read_text(), file=sys.stderr)
                return 1
            time.sleep(0.05)
        sides = {
            "api": (
                root / "api" / "app.py",
                API_HANDLER,
                asker(api_port, "GET", "/hi", lambda body: body.decode()),
            ),
            "emulator": (
                root / "greeter" / "app.py",
                GREETER_HANDLER,
                asker(
                    emulator_port,
                    "POST",
                    "/2015-03-31/functions/BenchGreeter/invocations",
                    lambda body: str(json.loads(body)),
                ),
            ),
        }
        for _, _, ask in sides.values():
            ask()  # warm
        for round_no in range(args.rounds):
            order = ["api", "emulator"] if round_no % 2 == 0 else ["emulator", "api"]
            for save in range(args.saves):
                for side in order:
                    handler, text, ask = sides[side]
                    version = f"r{round_no}s{save}"
                    times[side].append(timed_save(handler, text, version, ask))
                    time.sleep(0.3)  # apart, as edits are
    except (RuntimeError, OSError, ValueError) as e:
        print(f"error: {e}\n{log_path.read_text()}", file=sys.stderr)
        return 1
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()
    api_ms = statistics.median(times["api"]) * 1000
    emulator_ms = statistics.median(times["emulator"]) * 1000
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    count = len(times["api"])
    print(f"save → new code answers, median of {count} saves each (load average {load}):")
    print(f"  the API's function (GET /hi):            {api_ms:6.1f} ms")
    print(f"  the emulator's copy (Invoke BenchGreeter): {emulator_ms:6.1f} ms")
    print(f"  ratio emulator / API: {emulator_ms / api_ms:.2f}")
    goal = "met" if emulator_ms <= 25.0 else "NOT met"
    print(f"  goal 25 ms (the API's save-to-live goal) for the emulator's copy: {goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
