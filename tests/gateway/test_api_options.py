"""`lamina api`'s address options: SAM's defaults (127.0.0.1:3000), and a non-loopback `--host`
refused unless `--allow-remote` says it is meant (secure by default)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ports import free_port

from gateway.harness import APPS


def lamina_api(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lamina", "api", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_defaults_are_sams(tmp_path: Path) -> None:
    shown = lamina_api(tmp_path, "--help")
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "--host TEXT The address to listen on. [default: 127.0.0.1]" in text
    assert "[default: 3000;" in text.split("--port", 1)[1].split("--", 1)[0]
    assert "--warm Start every function's environment at once" in text


def test_a_host_other_machines_reach_needs_allow_remote(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(APPS / "http_only", root)
    refused = lamina_api(root, "--host", "0.0.0.0", "--port", str(free_port()))
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr.strip() == (
        "error: --host 0.0.0.0 is reachable from other machines; add --allow-remote to mean it"
    )
