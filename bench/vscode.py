"""The VS Code extension in a real workbench (code-server + headless Chromium), in one run.

    .venv/bin/python bench/vscode.py               # 5 samples each, ~80-110 s
    .venv/bin/python bench/vscode.py --samples 3   # quicker
    .venv/bin/python bench/vscode.py --json out.json

1. Extension activation to the server's `initialize` response, read from the extension's log
   line "Lamina server initialized in N ms (M ms since activation)": `python -m lamina lsp`
   against a bare pygls 2.x server that the extension starts the same way (LAMINA_SERVER_ARGS).
   Every sample is a fresh code-server; the two kinds are interleaved. Goal: <= 1.2x the bare
   server (as bench/lsp.py's start-up goal).
2. The .vsix size. Goal: <= 1 MB without a bundled wheel.

client-vscode/e2e/install.sh installs code-server, playwright-core and Chromium when missing;
`make vsix` builds client-vscode/lamina-<version>.vsix when it is missing (delete it to test new
sources). The measuring is client-vscode/e2e/run.mjs --measure-only. A slow number never fails
the run; the exit status is 1 only when something could not be measured.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CLIENT = REPO / "client-vscode"
E2E = CLIENT / "e2e"
VSIX_GOAL = 1024 * 1024
RATIO_GOAL = 1.2


def status(met: bool) -> str:
    return "met" if met else "NOT met"


def vsix_path() -> Path:
    version = json.loads((CLIENT / "package.json").read_text())["version"]
    return CLIENT / f"lamina-{version}.vsix"


def run_or_exit(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{(done.stdout + done.stderr)[-3000:]}")


def prepare(vsix: Path) -> None:
    """install.sh is idempotent (about a second when all is there); the .vsix is built once."""
    run_or_exit(["bash", str(E2E / "install.sh")], E2E)
    if not vsix.exists():
        run_or_exit(["make", "vsix"], REPO)


def measure(vsix: Path, out: Path, samples: int) -> dict[str, Any]:
    command = ["node", str(E2E / "run.mjs"), str(vsix), sys.executable, str(out)]
    command += ["--measure-only", "--samples", str(samples), "--timeout", str(120 + 60 * samples)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    summary_file = out / "summary.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    if done.returncode != 0 or not summary.get("ok"):
        tail = (done.stdout + done.stderr)[-3000:]
        raise RuntimeError(f"run.mjs --measure-only failed (exit {done.returncode}):\n{tail}")
    return summary


def wheels_in(vsix: Path) -> list[str]:
    with zipfile.ZipFile(vsix) as archive:
        return [name for name in archive.namelist() if name.endswith(".whl")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5, help="code-server starts per server")
    parser.add_argument("--json", type=Path, help="also write every number to this file")
    parser.add_argument("--out", type=Path, help="keep run.mjs's screenshots and logs here")
    arguments = parser.parse_args()
    if shutil.which("node") is None:
        print("node is not installed (Node 20 is needed)", file=sys.stderr)
        return 1
    vsix = vsix_path()
    prepare(vsix)
    anomalies: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lamina-bench-vscode-") as temp:
        out = arguments.out.resolve() if arguments.out else Path(temp)
        try:
            summary = measure(vsix, out, arguments.samples)
        except RuntimeError as e:
            anomalies.append(str(e))
            summary = {}
    measurements = summary.get("measurements", {})
    lamina = measurements.get("lamina") or {}
    bare = measurements.get("barePygls") or {}
    if bare and not bare.get("bareServerRan"):
        anomalies.append("LAMINA_SERVER_ARGS was not honoured: the bare figure is Lamina again")
    size = vsix.stat().st_size
    wheels = wheels_in(vsix)

    print(f"Python {sys.version.split()[0]} on {os.cpu_count()} CPUs; {vsix.relative_to(REPO)}")
    count = len(lamina.get("samplesSinceActivationMs", []))
    print(
        f"\n1. activation -> initialize answered (median of {count} code-servers each, interleaved)"
    )
    print(f"   {'server':<24} {'median':>9} {'client.start':>13}   samples (ms since activation)")
    for name, kind in (("bare pygls 2.x server", bare), ("python -m lamina lsp", lamina)):
        if kind.get("sinceActivationMs") is not None:
            samples = ", ".join(str(x) for x in kind["samplesSinceActivationMs"])
            print(f"   {name:<24} {kind['sinceActivationMs']:>6.0f} ms {kind['clientStartMs']:>10.0f} ms"
                  f"   [{samples}]")  # fmt: skip
    ratio = None
    if lamina.get("sinceActivationMs") and bare.get("sinceActivationMs"):
        ratio = lamina["sinceActivationMs"] / bare["sinceActivationMs"]
        print(f"   ratio lamina / bare: {ratio:.2f}x   (goal <= {RATIO_GOAL}x: "
              f"{status(ratio <= RATIO_GOAL)})")  # fmt: skip
    if wheels:
        print(
            f"\n2. .vsix size: {size / 1024:.1f} KB, with {', '.join(wheels)} (goal applies without)"
        )
    else:
        print(f"\n2. .vsix size: {size / 1024:.1f} KB, no bundled wheel   "
              f"(goal <= 1 MB: {status(size <= VSIX_GOAL)})")  # fmt: skip
    if arguments.json:
        numbers = {
            "measurements": measurements,
            "ratio": ratio,
            "vsixBytes": size,
            "wheels": wheels,
        }
        arguments.json.write_text(json.dumps(numbers, indent=2) + "\n")
    if anomalies:
        print("\nAnomalies:")
        for anomaly in anomalies:
            print(f"  - {anomaly}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
