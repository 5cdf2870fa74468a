"""Control-plane A/B: `lamina serve` from this tree, the same from a git ref (`--baseline`, e.g.
main: before/after a change in one run) or with every SQLite write in a worker thread
(`--thread`, LAMINA_DB_THREAD=1), and moto server, in one run.

    .venv/bin/python bench/emulator_control.py [--rounds N] [--baseline REF] [--thread]

Each round makes one of each call (CreateFunction, UpdateFunctionCode, PublishVersion,
CreateAlias, GetFunction) against each server, interleaved so shared-machine noise falls on all
alike. Prints medians and each lamina variant's ratio to moto's median, and each server's CPU
time per round (steadier than latency when other jobs load the machine). The baseline's server/
is exported with `git archive` to a temp dir and put first on its PYTHONPATH.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from emulator import ROLE, control_functions, control_round, package
from serving import REPO, Server, clean_env, client, free_port, lamina_serve

OPS = ("Create", "UpdateCode", "Publish", "CreateAlias", "Get")


def baseline_tree(ref: str, root: Path) -> Path:
    """`ref`'s server/ exported under `root`: the folder to put on PYTHONPATH."""
    target = root / "baseline"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref, "server"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "server"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--baseline", metavar="REF", help="also run lamina serve from this ref")
    parser.add_argument("--thread", action="store_true", help="also run with LAMINA_DB_THREAD=1")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="lamina-cp-bench-"))
    variants = {"lamina": clean_env()}
    if args.baseline:
        variants["base"] = clean_env(PYTHONPATH=str(baseline_tree(args.baseline, root)))
    if args.thread:
        variants["thread"] = clean_env(LAMINA_DB_THREAD="1")
    servers: dict[str, Server] = {}
    ports = {name: free_port() for name in [*variants, "moto"]}
    try:
        for name, env in variants.items():
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
        cpu_before = {name: cpu_seconds(server) for name, server in servers.items()}
        for i in range(args.rounds):
            for target, lam in clients.items():
                control_round(samples[target], lam, names[target], zips[i], zips[i + 1], f"a{i}")
        cpu = {n: (cpu_seconds(s) - cpu_before[n]) * 1000 / args.rounds for n, s in servers.items()}
        print(f"{args.rounds} rounds, medians in ms; ratio = lamina / moto; {load()}")
        header = "".join(f" {t:>8}" for t in clients)
        ratios = "".join(f" {t[:5] + '/m':>7}" for t in variants)
        print(f"  {'call':<12}{header}{ratios}")
        for op in OPS:
            medians = {t: statistics.median(samples[t][op]) for t in clients}
            cells = "".join(f" {medians[t]:8.2f}" for t in clients)
            shares = "".join(f" {medians[t] / medians['moto']:7.2f}" for t in variants)
            print(f"  {op:<12}{cells}{shares}")
        # CPU time waits for no run queue: the steadier figure on a loaded machine.
        cells = "".join(f" {cpu[t]:8.2f}" for t in clients)
        shares = "".join(f" {cpu[t] / cpu['moto']:7.2f}" for t in variants)
        print(f"  {'server CPU':<12}{cells}{shares}   (ms per round of the five calls)")
    finally:
        for server in servers.values():
            server.close()
    return 0


def cpu_seconds(server: Server) -> float:
    """User and system CPU time the server's process has used so far."""
    import psutil

    times = psutil.Process(server.proc.pid).cpu_times()
    return float(times.user + times.system)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


if __name__ == "__main__":
    sys.exit(main())
