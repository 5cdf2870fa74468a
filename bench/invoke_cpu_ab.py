"""`lamina serve`'s CPU per warm raw Invoke, two checkouts alternately in one run.

    .venv/bin/python bench/invoke_cpu_ab.py OLD_CHECKOUT NEW_CHECKOUT [--invokes 2000]
        [--rounds 5] [--type DryRun]

Each checkout runs its own `lamina serve` (its .venv's python) on a fresh data dir, one at a
time; a trivial function is created with boto3, warmed, and sent `--invokes` raw keep-alive
Invokes on one connection; the serve process's CPU over them (/proc schedstat, which load moves
far less than a latency) is divided by their number. The two alternate for `--rounds` rounds;
each round's figures and the medians are printed, with the load average. `--type DryRun` leaves
the runtime out: what is left is the HTTP handling and the Invoke checks.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from serving import clean_env, client, cpu_us, free_port

PATH = "/2015-03-31/functions/bench/invocations"
WARM_UP = 200


def code() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buffer.getvalue()


def wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/2016-08-19/account-settings")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"lamina serve did not start (port {port})") from None
            time.sleep(0.1)


def one_round(checkout: Path, invokes: int, headers: dict[str, str]) -> tuple[float, float]:
    """(serve CPU, the function's processes' CPU) per invoke, in µs."""
    root = Path(tempfile.mkdtemp(prefix="lamina-ab-"))
    port = free_port()
    command = [str(checkout / ".venv/bin/python"), "-m", "lamina", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--data-dir", str(root / "data")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=clean_env(),
        cwd=checkout,
    )
    try:
        wait_ready(port, proc)
        client(f"http://127.0.0.1:{port}").create_function(
            FunctionName="bench",
            Runtime="python3.12",
            Role="arn:aws:iam::123456789012:role/lamina-bench",
            Handler="app.handler",
            Code={"ZipFile": code()},
        )
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        before = (0.0, 0.0)
        for i in range(WARM_UP + invokes):
            if i == WARM_UP:
                before = cpu_us(proc.pid)
            conn.request("POST", PATH, body=b"{}", headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status not in (200, 204):
                raise SystemExit(f"{checkout}: invoke answered {response.status} {body[:200]!r}")
        after = cpu_us(proc.pid)
        conn.close()
        return (after[0] - before[0]) / invokes, (after[1] - before[1]) / invokes
    finally:
        proc.terminate()
        proc.wait(15)
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--invokes", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--type", default=None, help="X-Amz-Invocation-Type (e.g. DryRun)")
    args = parser.parse_args()
    headers = {"Content-Type": "application/json"}
    if args.type:
        headers["X-Amz-Invocation-Type"] = args.type
    figures: dict[str, list[float]] = {"old": [], "new": []}
    print(f"load average at start {os.getloadavg()}")
    for n in range(args.rounds):
        for label, checkout in (("old", args.old), ("new", args.new)):
            server, function = one_round(checkout.resolve(), args.invokes, headers)
            figures[label].append(server)
            print(f"round {n} {label}: serve {server:.0f} us, function {function:.0f} us")
    old, new = statistics.median(figures["old"]), statistics.median(figures["new"])
    print(f"load average at end {os.getloadavg()}")
    print(
        f"median serve CPU per invoke: old {old:.0f} us, new {new:.0f} us, new/old {new / old:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
