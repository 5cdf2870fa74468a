"""CPU per warm invoke of Lamina's bootstrap alone, two source trees alternately in one run.

    .venv/bin/python bench/bootstrap_cpu_ab.py OLD_SERVER_DIR NEW_SERVER_DIR [--rounds 8]
        [--invokes 3000]

Each SERVER_DIR is a checkout's `server/` (e.g. a `git archive` of an older commit). Its
`lamina/runtime/bootstrap.py` runs a trivial handler against a canned Runtime API served here
(a blocking socket: the 202 and the next event in one write, as Lamina's server answers the
pipelined result and `/next`), so the parent's own work and its noise are left out: what is
measured is the bootstrap's loop (read the event, build the context, call the handler, encode
and send the result). The child's CPU comes from /proc/<pid>/schedstat, over 3 × `--invokes`
invokes after 300 to warm up; the two trees alternate for `--rounds` rounds, and each round's
figure and the medians are printed with the load average. Only differences well past the spread
between rounds mean anything.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ACK = b'HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\nContent-Type: application/json\r\n\r\n{"status":"OK"}'
ARN = "arn:aws:lambda:us-east-1:123456789012:function:bench"


def event() -> bytes:
    """An event as Lamina's server sends it (its headers, in its order)."""
    deadline = int(time.time() * 1000 + 30000)
    trace = f"Root=1-{int(time.time()):08x}-{os.urandom(12).hex()};Parent={os.urandom(8).hex()}"
    head = (
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n"
        f"Lambda-Runtime-Aws-Request-Id: {uuid.uuid4()}\r\nLambda-Runtime-Deadline-Ms: {deadline}\r\n"
        f"Lambda-Runtime-Invoked-Function-Arn: {ARN}\r\nLambda-Runtime-Trace-Id: {trace};Sampled=0"
    )
    return head.encode() + b"\r\n\r\n{}"


class CannedApi:
    """One runtime's connection: takes its requests whole, answers each `/next` at once."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.buffer = b""

    def take(self) -> None:
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                head = self.buffer[:end].lower()
                at = head.find(b"content-length:")
                length = int(head[at + 15 :].split(b"\r\n")[0]) if at >= 0 else 0
                if len(self.buffer) >= end + 4 + length:
                    self.buffer = self.buffer[end + 4 + length :]
                    return
            data = self.conn.recv(65536)
            if not data:
                raise SystemExit("the bootstrap hung up")
            self.buffer += data

    def cycle(self) -> None:
        """The pipelined result and `/next`, answered with the 202 and the next event."""
        self.take()
        self.take()
        self.conn.sendall(ACK + event())


def one_round(server: str, invokes: int) -> float:
    root = Path(tempfile.mkdtemp(prefix="lamina-bootstrap-ab-"))
    (root / "app.py").write_text('def handler(event, context):\n    return {"ok": True}\n')
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    env = dict(
        os.environ,
        AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{listener.getsockname()[1]}",
        AWS_LAMBDA_FUNCTION_NAME="bench",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
        AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/bench",
        AWS_LAMBDA_LOG_STREAM_NAME="2026/12/07/[$LATEST]bench",
        AWS_EXECUTION_ENV="AWS_Lambda_python3.12",
        LAMINA_SYS_PATH=str(root),
    )
    bootstrap = f"{server}/lamina/runtime/bootstrap.py"
    proc = subprocess.Popen(
        [sys.executable, "-S", "-B", bootstrap, "app.handler"],
        env=env,
        cwd=root,
        stderr=subprocess.DEVNULL,  # its traceback when the API goes away at the end
    )
    try:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        api = CannedApi(conn)
        api.take()
        conn.sendall(event())
        for _ in range(300):
            api.cycle()
        rows = []
        for _ in range(3):
            before = cpu_us(proc.pid)
            for _ in range(invokes):
                api.cycle()
            rows.append((cpu_us(proc.pid) - before) / invokes)
        return statistics.median(rows)
    finally:
        listener.close()  # first: the bootstrap's one reconnection must fail
        proc.kill()
        proc.wait()


def cpu_us(pid: int) -> float:
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0]) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--invokes", type=int, default=3000)
    args = parser.parse_args()
    trees = {"old": args.old, "new": args.new}
    figures: dict[str, list[float]] = {name: [] for name in trees}
    for i in range(args.rounds):
        for name in ("old", "new") if i % 2 == 0 else ("new", "old"):
            figure = one_round(trees[name], args.invokes)
            figures[name].append(figure)
            print(f"{name}: bootstrap {figure:.1f} µs (load {os.getloadavg()[0]:.1f})", flush=True)
    for name, rows in figures.items():
        print(f"median {name}: bootstrap {statistics.median(rows):.1f} µs per invoke")


if __name__ == "__main__":
    main()
