"""`pip install --target`, once per folder: the one installer that a function's dependencies, the
runtime's own packages and layers share.

It lives at the top of the package because runtime/ and deploy/ both use it and neither may import
the other. It imports nothing from Lamina but its counters.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from lamina.cache_counters import count

COMPLETE_MARKER = ".lamina-complete"
_RUNTIME = re.compile(r"^python(\d+)\.(\d+)$")
# Runtimes on Amazon Linux 2023 (python3.12 and later) have glibc 2.34: newer wheels fit too.
_AL2023_FROM = (3, 12)


class DependencyInstallError(Exception):
    """pip could not install a function's requirements; the message says which and why."""


def lambda_platforms(runtime: str, architecture: str) -> list[str]:
    """pip's --platform values for wheels that load on `runtime` on `architecture`."""
    machine = "aarch64" if architecture in ("arm64", "aarch64") else "x86_64"
    platforms = [f"manylinux2014_{machine}"]
    match = _RUNTIME.match(runtime)
    if match and (int(match.group(1)), int(match.group(2))) >= _AL2023_FROM:
        platforms.append(f"manylinux_2_28_{machine}")
    return platforms


def pip_install_once(
    target: Path, python: str, pip_args: list[str], failure: str, cwd: Path | None = None
) -> Path:
    """`pip install --target` into `target`, once. pip works in a staging folder beside it that is
    renamed into place when complete, so a half-finished install is never used and two processes
    installing at once don't clash. A failure raises DependencyInstallError("<failure>: <why>")."""
    if (target / COMPLETE_MARKER).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="deps-", dir=target.parent))
    command = [
        python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-input", "--target", str(staging), *pip_args,
    ]  # fmt: skip
    count("pip install")
    proc = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
    if proc.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        detail = [
            line for line in (proc.stderr or proc.stdout).strip().splitlines() if line.strip()
        ]
        reason = detail[-1] if detail else f"pip exited with {proc.returncode}"
        raise DependencyInstallError(f"{failure}: {reason}")
    (staging / COMPLETE_MARKER).touch()
    try:
        staging.rename(target)
    except OSError:  # another process finished first; theirs is as good as ours
        shutil.rmtree(staging, ignore_errors=True)
    return target
