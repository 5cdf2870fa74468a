"""A WebSocket round trip through `lamina api` and through serverless-offline, in one run.

    .venv/bin/python bench/gateway_ws.py             # both (serverless-offline as bench/gateway.py)
    .venv/bin/python bench/gateway_ws.py --no-peer   # lamina api only

One message → the `$default` route's function (which also accepts `$connect`, as
serverless-offline needs a `$connect` route) → `PostToConnection` back → the client, on a warm
connection, taking turns round after round. The handler is the same file for both, written as
real handlers are: its boto3 `apigatewaymanagementapi` client is made once, at init, with the
endpoint from AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI (lamina api sets it to its local HTTPS
listener, which AWS_CA_BUNDLE makes trusted; for serverless-offline the serverless.yml sets it to
its plain-HTTP `@connections` API). Each function's own Duration (from the servers' logs) is
printed beside the round trip: the part that is boto3 in the handler; and the server process's
own CPU per message (without its functions' processes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gateway import NPM_DIR, cpu_seconds, free_port, install_peer, percentile

WARM_UP = 20  # messages before the measured ones (connections warm)

WS_HANDLER = """import boto3

# Made once, at init, as real handlers do: the endpoint comes from the environment.
client = boto3.client("apigatewaymanagementapi")


def handler(event, context):
    ctx = event["requestContext"]
    if ctx["eventType"] != "MESSAGE":  # $connect: accepted
        return {"statusCode": 200}
    client.post_to_connection(ConnectionId=ctx["connectionId"], Data=event["body"].encode())
    return {"statusCode": 200}
"""

WS_TEMPLATE = """Transform: AWS::Serverless-2016-10-31
Resources:
  Echo:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: echo, ProtocolType: WEBSOCKET, RouteSelectionExpression: "$request.body.action"}
  DefaultRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Echo, RouteKey: $default, Target: !Join ["/", [integrations, !Ref Integ]]}
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Echo, RouteKey: $connect, Target: !Join ["/", [integrations, !Ref Integ]]}
  Integ:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Echo
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${EchoFunction.Arn}/invocations
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {StageName: Prod, ApiId: !Ref Echo}
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.11, CodeUri: ., Handler: ws.handler}
"""

WS_SERVERLESS_YML = """service: bench-ws
frameworkVersion: "3"
provider:
  name: aws
  runtime: python3.11
  environment:
    AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI: "http://127.0.0.1:{port}"
plugins:
  - serverless-offline
functions:
  echo:
    handler: ws.handler
    events:
      - websocket: {{route: $connect}}
      - websocket: {{route: $default}}
"""


def round_trips(
    command: list[str], cwd: Path, url: str, env: dict[str, str], count: int, log: Path
) -> tuple[list[float], float]:
    """Seconds per message → handler → PostToConnection → client, after WARM_UP messages, and
    the server process's own CPU seconds per message (its functions' processes not counted:
    lamina api's share is the message, the event, and the @connections call it answers)."""
    import aiohttp

    with open(log, "wb") as out:
        proc = subprocess.Popen(
            command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,
        )  # fmt: skip

        async def run() -> tuple[list[float], float]:
            async with aiohttp.ClientSession() as session:
                deadline = time.monotonic() + 90
                while True:
                    try:
                        socket = await session.ws_connect(url)
                        break
                    except aiohttp.ClientError:
                        if time.monotonic() > deadline or proc.poll() is not None:
                            raise RuntimeError(f"{command[0]}: no WebSocket at {url}") from None
                        await asyncio.sleep(0.05)
                times = []
                cpu = 0.0
                for i in range(count + WARM_UP):
                    if i == WARM_UP:
                        cpu = cpu_seconds([proc.pid])
                    t0 = time.perf_counter()
                    await socket.send_str(f'{{"n": {i}}}')
                    message = await asyncio.wait_for(socket.receive(), timeout=30)
                    if message.type != aiohttp.WSMsgType.TEXT:
                        raise RuntimeError(f"unexpected frame {message}")
                    if i >= WARM_UP:
                        times.append(time.perf_counter() - t0)
                cpu = (cpu_seconds([proc.pid]) - cpu) / count
                await socket.close()
                return times, cpu

        try:
            return asyncio.run(run())
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


def handler_durations(log: Path) -> list[float]:
    """The functions' own Durations (ms) in a server's log, warm-up messages left out: lamina's
    `REPORT RequestId: … Duration: 1.2 ms`, serverless-offline's `(λ: echo) RequestId: …
    Duration: 1.20 ms` (not Billed or Init Duration)."""
    text = log.read_text(errors="replace")
    found = [float(ms) for ms in re.findall(r"(?<![A-Za-z] )Duration: ([0-9.]+) ms", text)]
    return found[WARM_UP:]


def measure(
    work: Path, env: dict[str, str], count: int, rounds: int, peer_js: Path | None
) -> tuple[dict[str, dict[str, list[float]]], list[str]]:
    """{server: {ws_p50_ms, ws_handler_ms, server_cpu_us: [per round]}} and what could not be
    measured."""
    app = work / "ws"
    app.mkdir()
    (app / "ws.py").write_text(WS_HANDLER)
    (app / "template.yaml").write_text(WS_TEMPLATE)
    env = dict(env, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    results: dict[str, dict[str, list[float]]] = {}
    failures: list[str] = []
    for round_no in range(rounds):
        servers = [("lamina", [sys.executable, "-m", "lamina", "api", "--warm"], "/Prod")]
        if peer_js is not None:
            servers.append(
                (
                    "serverless-offline",
                    ["node", str(peer_js), "offline", "start", "--host", "127.0.0.1"],
                    "",
                )
            )
        for name, command, stage in servers:
            port = free_port()
            if name == "lamina":
                command = [*command, "--port", str(port)]
            else:
                (app / "serverless.yml").write_text(WS_SERVERLESS_YML.format(port=port))
                command = [*command, "--websocketPort", str(port), "--httpPort",
                           str(free_port()), "--lambdaPort", str(free_port())]  # fmt: skip
            log = work / f"ws-{name}-{round_no}.log"
            try:
                url = f"ws://127.0.0.1:{port}{stage}"
                trips, cpu = round_trips(command, app, url, env, count, log)
            except (RuntimeError, OSError, TimeoutError) as e:
                failures.append(f"websocket {name}: {e} (log: {log})")
                continue
            stats = results.setdefault(name, {})
            stats.setdefault("ws_p50_ms", []).append(percentile(trips, 0.5) * 1000)
            stats.setdefault("server_cpu_us", []).append(cpu * 1e6)
            durations = handler_durations(log)
            if durations:
                stats.setdefault("ws_handler_ms", []).append(statistics.median(durations))
            (app / "serverless.yml").unlink(missing_ok=True)
    return results, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--npm-dir", type=Path, default=NPM_DIR, help="where serverless lives")
    args = parser.parse_args()
    peer_js = None if args.no_peer else install_peer(args.npm_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off", SLS_DEPRECATION_DISABLE="*"
    )
    work = Path(tempfile.mkdtemp(prefix="lamina-bench-ws-"))
    results, failures = measure(work, env, args.count, args.rounds, peer_js)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\nWebSocket round trip, {args.count} messages per server and round, {args.rounds} round(s)"
    )
    print(f"load average at the end: {load} on {os.cpu_count()} CPUs (compare the ratios)")
    for name, stats in results.items():
        p50 = statistics.median(stats["ws_p50_ms"])
        rounds = ", ".join(f"{v:.2f}" for v in stats["ws_p50_ms"])
        handler = stats.get("ws_handler_ms")
        own = f"; the handler's own Duration {statistics.median(handler):.2f} ms" if handler else ""
        cpu = statistics.median(stats["server_cpu_us"])
        print(f"  {name:20} p50 {p50:.2f} ms (rounds: {rounds}){own}; server CPU {cpu:.0f} µs")
    if "lamina" in results and "serverless-offline" in results:
        mine = statistics.median(results["lamina"]["ws_p50_ms"])
        theirs = statistics.median(results["serverless-offline"]["ws_p50_ms"])
        print(f"  lamina / serverless-offline: {mine / theirs:.2f}")
    if "lamina" in results:
        p50 = statistics.median(results["lamina"]["ws_p50_ms"])
        print(f"  goal p50 <= 2 ms: {'met' if p50 <= 2.0 else 'NOT met'}")
    for failure in failures:
        print(f"ANOMALY {failure}")
    if not failures:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
