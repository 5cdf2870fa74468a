"""Control-plane A/B: `lamina serve` with SQLite writes on the event loop (the default), the same
with every write in a worker thread (LAMINA_DB_THREAD=1), and moto server, in one run.

    .venv/bin/python bench/emulator_control.py [--rounds N]

Each round makes one of each call (CreateFunction, UpdateFunctionCode, PublishVersion,
CreateAlias, GetFunction) against each server, interleaved so shared-machine noise falls on all
three alike. Prints medians and each lamina variant's ratio to moto's median.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from emulator import ROLE, control_functions, control_round, package
from serving import Server, clean_env, client, free_port, lamina_serve

OPS = ("Create", "UpdateCode", "Publish", "CreateAlias", "Get")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="lamina-cp-bench-"))
    servers: dict[str, Server] = {}
    ports = {name: free_port() for name in ("loop", "thread", "moto")}
    try:
        for name, env in (("loop", clean_env()), ("thread", clean_env(LAMINA_DB_THREAD="1"))):
            servers[name] = Server(
                f"lamina serve ({name})",
                lamina_serve(ports[name], root / f"data-{name}"),
                f"http://127.0.0.1:{ports[name]}/2016-08-19/account-settings",
                root / f"serve-{name}.log",
                env=env,
            )
        servers["moto"] = Server(
            "moto server",
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(ports["moto"])],
            f"http://127.0.0.1:{ports['moto']}/moto-api/",
            root / "moto.log",
        )
        clients = {name: client(f"http://127.0.0.1:{port}") for name, port in ports.items()}
        moto_port = ports["moto"]
        import boto3

        boto3.session.Session(
            aws_access_key_id="bench", aws_secret_access_key="bench", region_name="us-east-1"
        ).client("iam", endpoint_url=f"http://127.0.0.1:{moto_port}").create_role(
            RoleName=ROLE.rsplit("/", 1)[1], AssumeRolePolicyDocument="{}"
        )
        zips = [package(root, i) for i in range(args.rounds + 1)]
        names = control_functions(clients, zips[0])
        samples: dict[str, dict[str, list[float]]] = {t: {op: [] for op in OPS} for t in clients}
        for i in range(args.rounds):
            for target, lam in clients.items():
                control_round(samples[target], lam, names[target], zips[i], zips[i + 1], f"a{i}")
        print(f"{args.rounds} rounds, medians in ms; ratio = lamina / moto")
        print(f"  {'call':<12} {'loop':>8} {'thread':>8} {'moto':>8} {'loop/m':>7} {'thr/m':>7}")
        for op in OPS:
            loop, thread, moto = (statistics.median(samples[t][op]) for t in clients)
            print(
                f"  {op:<12} {loop:8.2f} {thread:8.2f} {moto:8.2f}"
                f" {loop / moto:7.2f} {thread / moto:7.2f}"
            )
    finally:
        for server in servers.values():
            server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
