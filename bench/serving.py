"""What the benchmarks that run servers share: free ports, server processes (`lamina serve`,
moto, dex-local-runner, instant peers) started, probed and stopped, boto3 Lambda clients, and a
folder functions can write marks to.

Marks go under build/, not /tmp: a function's environment has a private /tmp (the fidelity
sandbox), so a file it writes there never reaches the benchmark.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without AWS_* (no real credentials or endpoints leak into a
    server), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(extra)
    return env


def lamina_serve(port: int, data_dir: Path, *options: str) -> list[str]:
    """The command line of `lamina serve` on `port` with its data in `data_dir`."""
    return [
        sys.executable,
        "-m",
        "lamina",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        *options,
    ]


def cpu_us(pid: int) -> tuple[float, float]:
    """CPU time used so far, in µs, by process `pid` and by every process below it (summed over
    their threads' /proc/<pid>/task/<tid>/schedstat; (0, 0) without /proc). The difference of two
    readings is what the work between them cost: a figure the machine's load moves far less than
    a latency."""
    import psutil

    try:
        below = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return 0.0, 0.0
    totals = [0, 0]
    for index, process in ((0, pid), *((1, child.pid) for child in below)):
        try:
            tasks = os.listdir(f"/proc/{process}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{process}/task/{task}/schedstat") as f:
                    totals[index] += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    return totals[0] / 1000, totals[1] / 1000


class Server:
    """A server process in its own session, up once `probe` answers (any HTTP status), stopped
    (with everything it started) on close."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        probe: str,
        log: Path,
        env: dict[str, str] | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.name = name
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env if env is not None else clean_env(),
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(probe, timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                if time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError(f"{name} did not start") from None
                time.sleep(0.05)

    def rss_mb(self) -> float:
        import psutil

        return float(psutil.Process(self.proc.pid).memory_info().rss) / (1024 * 1024)

    def close(self) -> None:
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def client(endpoint: str, read_timeout: int = 60) -> Any:
    """A boto3 Lambda client for `endpoint`: dummy credentials, no retries."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session(
        aws_access_key_id="bench", aws_secret_access_key="bench", region_name="us-east-1"
    ).client(
        "lambda",
        endpoint_url=endpoint,
        config=Config(retries={"total_max_attempts": 1}, read_timeout=read_timeout),
    )


def marks_path(name: str) -> Path:
    """A new file path functions can write to and the benchmark can read (under build/)."""
    folder = REPO / "build" / "bench-marks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}-{uuid.uuid4().hex}"
