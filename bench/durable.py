"""Durable functions: `lamina serve --skip-time` against AWS's `dex-local-runner --skip-time`,
in one run.

    .venv/bin/python bench/durable.py             # ~1 min on 2 cores
    .venv/bin/python bench/durable.py --quick     # fewer rounds
    .venv/bin/python bench/durable.py --checkpoints-only   # part 2 alone
    .venv/bin/python bench/durable.py --json out.json

1. A 100-step workflow with a one-day wait (50 steps, the wait, 50 steps), start to result,
   with time skipping. Lamina: a RequestResponse Invoke of the durable function on `lamina
   serve --skip-time` (it answers when the execution has ended). Peer: `dex-local-runner
   start-server --skip-time --store-type memory`, started through its start-durable-execution
   route and polled with GetDurableExecution until it ends; it runs the same handler through
   `lamina serve` as its Lambda endpoint (the handler's AWS_ENDPOINT_URL_LAMBDA points at dex).
   Rounds alternate. Goal: <= 1 s, and no slower than the peer.
2. One checkpoint round trip, SDK -> Lamina -> SDK: boto3's CheckpointDurableExecution (what the
   SDK calls) against `lamina serve`, chaining tokens of a live execution whose handler is
   asleep, on a client of its own as the SDK's is; peer: the same call (the same ARN, a token
   of the same length) against a server that answers at once, the answer Lamina gives (an
   empty state and the token it was sent, so the same size).
   Goal: <= 1.3x.

Beside wall time it prints CPU time, which load inflates less: per workflow, the CPU of
`lamina serve` (with its functions' processes) for Lamina, and of dex-local-runner plus that same
tree for the peer (its handler runs in `lamina serve` too); per checkpoint, the client's CPU
plus the server's.

A slow number never fails the run ("NOT met" is printed). The exit status is 1 only when
something could not be measured.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from serving import Server, clean_env, client, free_port, lamina_serve, marks_path

ROLE = "arn:aws:iam::123456789012:role/lamina-bench"
WORKFLOW = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    total = 0
    for i in range(50):
        total += context.step(lambda _, i=i: i, name=f"step-{i}")
    context.wait(Duration.from_days(1), name="one-day")
    for i in range(50, 100):
        total += context.step(lambda _, i=i: i, name=f"step-{i}")
    return {"total": total}
"""
# Leaks its checkpoint token (from the raw durable input) and sleeps, so that the benchmark can
# checkpoint on a live execution.
SLEEPER = """
import json, os, time


def handler(event, context):
    with open(os.environ["TOKEN_FILE"] + ".tmp", "w") as f:
        json.dump({"arn": event["DurableExecutionArn"], "token": event["CheckpointToken"]}, f)
    os.rename(os.environ["TOKEN_FILE"] + ".tmp", os.environ["TOKEN_FILE"])
    time.sleep(float(os.environ.get("SLEEP_S", "60")))
    return {"Status": "SUCCEEDED", "Result": "null"}
"""
INSTANT_SERVER = r"""
import asyncio, re, sys
# The answer Lamina gives a checkpoint without updates, its token the one it was sent (the same
# length as Lamina's next token): boto3 then parses an answer of the same size from both.
TOKEN = re.compile(rb'"CheckpointToken": ?"([^"]*)"')
HEAD = (
    b"HTTP/1.1 200 OK\r\nx-amzn-RequestId: 4c8464f4-53f0-442b-b68c-a0392ffbd8e9\r\n"
    b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
)

def answer(body):
    token = TOKEN.search(body)
    body = b'{"CheckpointToken":"%s","NewExecutionState":{"Operations":[]}}' % (
        token.group(1) if token else b"next-token"
    )
    return HEAD % len(body) + body

class Instant(asyncio.Protocol):
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
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(answer(body))

async def main():
    server = await asyncio.get_running_loop().create_server(Instant, "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()

asyncio.run(main())
"""


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def lamina_workflow(lam: Any) -> float:
    started = time.perf_counter()
    response = lam.invoke(FunctionName="workflow", Payload=b"{}")
    elapsed = time.perf_counter() - started
    body = json.loads(response["Payload"].read())
    if response.get("FunctionError") or body != {"total": 4950}:
        raise SystemExit(f"lamina serve: unexpected answer {body}")
    return elapsed


def dex_workflow(dex_endpoint: str, dex: Any, n: int) -> float:
    start_input = {
        "AccountId": "123456789012",
        "FunctionName": "workflow-dex",
        "FunctionQualifier": "$LATEST",
        "ExecutionName": f"bench-{n}-{time.time_ns()}",
        "ExecutionTimeoutSeconds": 300,
        "ExecutionRetentionPeriodDays": 1,
        "Input": "{}",
    }
    request = urllib.request.Request(
        f"{dex_endpoint}/start-durable-execution",
        data=json.dumps(start_input).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        arn = json.loads(response.read())["ExecutionArn"]
    while True:
        execution = dex.get_durable_execution(DurableExecutionArn=arn)
        if execution["Status"] != "RUNNING":
            break
        time.sleep(0.002)
    elapsed = time.perf_counter() - started
    if execution["Status"] != "SUCCEEDED" or json.loads(execution["Result"]) != {"total": 4950}:
        raise SystemExit(f"dex-local-runner: unexpected outcome {execution}")
    return elapsed


def checkpoint_round_trips(lam: Any, arn: str, token: str, n: int) -> tuple[list[float], str]:
    """n checkpoints in a row, each with the token the previous one returned; the last token."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = lam.checkpoint_durable_execution(
            DurableExecutionArn=arn, CheckpointToken=token, Updates=[]
        )
        times.append(time.perf_counter() - started)
        token = response["CheckpointToken"]
    return times, token


def instant_round_trips(instant: Any, arn: str, token: str, n: int) -> list[float]:
    """The same call as checkpoint_round_trips: the live execution's ARN, a token of its length."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        instant.checkpoint_durable_execution(
            DurableExecutionArn=arn, CheckpointToken=token, Updates=[]
        )
        times.append(time.perf_counter() - started)
    return times


def tree_cpu(*pids: int) -> float:
    """CPU seconds (user + system) used so far by these processes and their children (living,
    or ended and reaped)."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                times = proc.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
        except psutil.Error:
            continue
    return total


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_workflow(
    rounds: int,
    lamina_s: list[float],
    dex_s: list[float],
    lamina_cpu: list[float],
    dex_cpu: list[float],
) -> None:
    lamina_med, dex_med = statistics.median(lamina_s), statistics.median(dex_s)
    ratio_workflow = lamina_med / dex_med
    lamina_cpu_med, dex_cpu_med = statistics.median(lamina_cpu), statistics.median(dex_cpu)
    print(
        f"1. 100-step workflow + 1-day wait, start to result (median of {rounds}): "
        f"Lamina {lamina_med * 1000:.0f} ms, dex-local-runner {dex_med * 1000:.0f} ms, "
        f"ratio {ratio_workflow:.2f}  [<= 1 s: {verdict(lamina_med <= 1.0)}; "
        f"<= peer: {verdict(ratio_workflow <= 1.0)}]"
    )
    print(
        f"   CPU per workflow (median): Lamina {lamina_cpu_med * 1000:.0f} ms, dex-local-runner "
        f"{dex_cpu_med * 1000:.0f} ms, ratio {lamina_cpu_med / dex_cpu_med:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--checkpoints-only", action="store_true", help="skip the workflow")
    args = parser.parse_args()
    rounds, checkpoints = (3, 100) if args.quick else (7, 400)
    tmp = Path(tempfile.mkdtemp(prefix="lamina-bench-durable-"))
    bin_dir = Path(sys.executable).parent
    serve_port, dex_port, instant_port = free_port(), free_port(), free_port()
    serve_endpoint = f"http://127.0.0.1:{serve_port}"
    dex_endpoint = f"http://127.0.0.1:{dex_port}"
    instant_endpoint = f"http://127.0.0.1:{instant_port}"
    servers: list[Server] = []
    # dex-local-runner signs its calls: it needs credentials, dummy ones.
    env = clean_env(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    try:
        servers.append(
            Server(
                "lamina serve",
                lamina_serve(serve_port, tmp / "data", "--skip-time"),
                f"{serve_endpoint}/2016-08-19/account-settings",
                tmp / "serve.log",
                env,
            )
        )
        servers.append(
            Server(
                "dex-local-runner",
                [
                    str(bin_dir / "dex-local-runner"),
                    "start-server",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(dex_port),
                    "--lambda-endpoint",
                    serve_endpoint,
                    "--local-runner-endpoint",
                    dex_endpoint,
                    "--local-runner-region",
                    "us-east-1",
                    "--store-type",
                    "memory",
                    "--skip-time",
                    "--log-level",
                    "WARNING",
                ],
                f"{dex_endpoint}/health",
                tmp / "dex.log",
                env,
            )
        )
        servers.append(
            Server(
                "instant server",
                [sys.executable, "-c", INSTANT_SERVER, str(instant_port)],
                instant_endpoint,
                tmp / "i.log",
                env,
            )
        )
        serve, dex, instant = (server.proc for server in servers)
        lam = client(serve_endpoint, read_timeout=120)
        common = {"Runtime": "python3.13", "Role": ROLE, "Handler": "app.handler", "Timeout": 60}
        lam.create_function(
            FunctionName="workflow",
            Code={"ZipFile": zip_of(WORKFLOW)},
            DurableConfig={"ExecutionTimeout": 172800},
            **common,
        )
        lam.create_function(
            FunctionName="workflow-dex",
            Code={"ZipFile": zip_of(WORKFLOW)},
            Environment={"Variables": {"AWS_ENDPOINT_URL_LAMBDA": dex_endpoint}},
            **common,
        )
        token_file = marks_path("token")  # not under /tmp: the function has a private one
        lam.create_function(
            FunctionName="sleeper",
            Code={"ZipFile": zip_of(SLEEPER)},
            DurableConfig={"ExecutionTimeout": 600},
            Environment={"Variables": {"TOKEN_FILE": str(token_file), "SLEEP_S": "120"}},
            **{**common, "Timeout": 150},
        )
        dex_client = client(dex_endpoint, read_timeout=120)

        # 1. The 100-step workflow, alternating; the first round of each warms it up.
        lamina_s, dex_s = [], []
        lamina_cpu, dex_cpu = [], []
        if not args.checkpoints_only:
            lamina_workflow(lam)
            dex_workflow(dex_endpoint, dex_client, 0)
        for n in range(0 if args.checkpoints_only else rounds):
            before = tree_cpu(serve.pid)
            lamina_s.append(lamina_workflow(lam))
            lamina_cpu.append(tree_cpu(serve.pid) - before)
            before = tree_cpu(serve.pid, dex.pid)
            dex_s.append(dex_workflow(dex_endpoint, dex_client, n + 1))
            dex_cpu.append(tree_cpu(serve.pid, dex.pid) - before)

        # 2. Checkpoint round trips on a live execution, then the instant server.
        lam.invoke(FunctionName="sleeper", InvocationType="Event", Payload=b"{}")
        deadline = time.monotonic() + 60
        while not token_file.exists():
            if time.monotonic() > deadline:
                raise SystemExit("the sleeper never started")
            time.sleep(0.05)
        live = json.loads(token_file.read_text())
        sdk = client(serve_endpoint)  # the SDK's client: checkpoints alone on its connections
        _, current = checkpoint_round_trips(sdk, live["arn"], live["token"], 20)  # warm-up
        answer = sdk.checkpoint_durable_execution(
            DurableExecutionArn=live["arn"], CheckpointToken=current, Updates=[]
        )
        current = answer["CheckpointToken"]
        if "server" in answer["ResponseMetadata"]["HTTPHeaders"]:  # aiohttp's header
            print("note: aiohttp answered the checkpoints, not durable/fast_front.py")
        instant_client = client(instant_endpoint)
        instant_round_trips(instant_client, live["arn"], current, 20)
        lamina_rt: list[float] = []
        instant_rt: list[float] = []
        cpu_lamina = cpu_instant = 0.0  # client + server, summed over the blocks
        for _ in range(4):  # interleaved in blocks, so that load hits both
            # (the client's CPU is taken around the calls alone: tree_cpu reads /proc)
            server = tree_cpu(serve.pid)
            own = time.process_time()
            block, current = checkpoint_round_trips(sdk, live["arn"], current, checkpoints // 4)
            cpu_lamina += time.process_time() - own
            cpu_lamina += tree_cpu(serve.pid) - server
            lamina_rt.extend(block)
            server = tree_cpu(instant.pid)
            own = time.process_time()
            instant_rt.extend(
                instant_round_trips(instant_client, live["arn"], current, checkpoints // 4)
            )
            cpu_instant += time.process_time() - own
            cpu_instant += tree_cpu(instant.pid) - server
        lamina_cp, instant_cp = statistics.median(lamina_rt), statistics.median(instant_rt)
    finally:
        for server in servers:
            server.close()

    ratio_cp = lamina_cp / instant_cp
    cp_cpu_lamina, cp_cpu_instant = cpu_lamina / len(lamina_rt), cpu_instant / len(instant_rt)
    load = os.getloadavg()[0]
    print(
        "durable functions: lamina serve --skip-time vs dex-local-runner --skip-time "
        f"(load average {load:.1f} on {os.cpu_count()} cores)"
    )
    if lamina_s:
        print_workflow(rounds, lamina_s, dex_s, lamina_cpu, dex_cpu)
    print(
        f"2. checkpoint round trip (median of {len(lamina_rt)}): Lamina "
        f"{lamina_cp * 1000:.2f} ms, instant server {instant_cp * 1000:.2f} ms, ratio "
        f"{ratio_cp:.2f}  [<= 1.3x: {verdict(ratio_cp <= 1.3)}]"
    )
    print(
        f"   CPU per checkpoint (client + server, mean): Lamina {cp_cpu_lamina * 1000:.2f} ms, "
        f"instant server {cp_cpu_instant * 1000:.2f} ms, ratio {cp_cpu_lamina / cp_cpu_instant:.2f}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "workflow_s": {"lamina": lamina_s, "dex": dex_s},
                    "checkpoint_s": {"lamina": lamina_rt, "instant": instant_rt},
                    "workflow_cpu_s": {"lamina": lamina_cpu, "dex": dex_cpu},
                    "checkpoint_cpu_s": {"lamina": cp_cpu_lamina, "instant": cp_cpu_instant},
                    "load_average": load,
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
