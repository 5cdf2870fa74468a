"""The VS Code extension in a real workbench: code-server + headless Chromium, driven by
client-vscode/e2e/run.mjs (lenses, Run into the Results view, a breakpoint hit through Debug,
sync on save to the emulator, Create Handler saved and run, launch.json with F5, the API view
(Start API, a route opened from the view and its lenses, Stop API), and Install Lamina into an
interpreter that lacks it). client-vscode/e2e/install.sh
installs what it needs (Debian packages, code-server, playwright-core) and returns at once when
that is done.

LAMINA_E2E_VSIX=<path> tests that .vsix instead of building one; LAMINA_E2E_OUT=<dir> keeps the
screenshots and logs there (default: a folder in pytest's tmp_path). The folder is printed
before and after the run, past pytest's output capture."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "client-vscode"
E2E = CLIENT / "e2e"
TIMEOUT_S = 600  # run.mjs has its own watchdog (360 s); this one catches a hung node


def run(command: list[str], cwd: Path, timeout: float) -> None:
    out = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, (command, out.stdout[-3000:], out.stderr[-3000:])


def build_vsix(tmp_path: Path) -> Path:
    if not (CLIENT / "node_modules").is_dir():
        run(["npm", "ci", "--no-audit", "--no-fund"], CLIENT, 600)
    run(["npm", "run", "build"], CLIENT, 300)
    vsix = tmp_path / "lamina.vsix"
    command = ["npx", "--no-install", "vsce", "package", "--no-dependencies", "-o", str(vsix)]
    run(command, CLIENT, 300)
    return vsix


def stream(command: list[str]) -> tuple[int, str]:
    """Runs `command`, echoing its output as it comes (seen live with `pytest -s`)."""
    proc = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            print(line, end="", flush=True)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        code = proc.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
        lines.append(f"\nkilled after {TIMEOUT_S} s\n")
    reader.join(10)
    return code, "".join(lines)


def test_vscode_workbench(tmp_path: Path, pytestconfig: pytest.Config) -> None:
    if shutil.which("node") is None:
        pytest.fail("node is not installed (Node 20 is needed)")
    out = Path(os.environ.get("LAMINA_E2E_OUT") or tmp_path / "vscode").resolve()

    def announce(text: str) -> None:
        # Past pytest's capture, as live logging does (capsys would capture the run's output too).
        capture = pytestconfig.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print(f"\n[vscode e2e] {text}", flush=True)

    run(["bash", str(E2E / "install.sh")], E2E, 1200)
    vsix = (
        Path(os.environ["LAMINA_E2E_VSIX"])
        if os.environ.get("LAMINA_E2E_VSIX")
        else build_vsix(tmp_path)
    )
    announce(f"screenshots and logs go to {out}")
    # --no-bare: the timing comparison with a bare pygls server is a benchmark (bench/vscode.py).
    command = ["node", str(E2E / "run.mjs"), str(vsix), sys.executable, str(out), "--no-bare"]
    code, output = stream(command)
    announce(f"{'passed' if code == 0 else 'FAILED'}; screenshots and logs: {out}")
    assert code == 0, f"{output[-8000:]}\nscreenshots and logs: {out}"
