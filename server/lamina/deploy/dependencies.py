"""A function's requirements.txt, installed once per content and interpreter into a cache folder.

Lambda puts a function's dependencies beside its code; locally they go into
`.lamina/state/cache/deps-<hash>` and onto the import path after the code dir. The key covers the
requirements text and the interpreter (version and platform), since wheels differ between them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

COMPLETE_MARKER = ".lamina-complete"


class DependencyInstallError(Exception):
    """pip could not install a function's requirements; the message says which and why."""


def interpreter_tag(python: str) -> str:
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        import sysconfig

        return f"{sys.implementation.cache_tag}-{sysconfig.get_platform()}"
    probe = (
        "import sys, sysconfig; print(f'{sys.implementation.cache_tag}-{sysconfig.get_platform()}')"
    )
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise DependencyInstallError(
            f"cannot run the Python interpreter {python!r}: {out.stderr.strip()}"
        )
    return out.stdout.strip()


def requirements_key(requirements: Path, python: str) -> str:
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(interpreter_tag(python).encode())
    return digest.hexdigest()[:16]


def is_installed(requirements: Path, python: str, cache_dir: Path) -> bool:
    target = cache_dir / f"deps-{requirements_key(requirements, python)}"
    return (target / COMPLETE_MARKER).exists()


def ensure_dependencies(requirements: Path, python: str, cache_dir: Path) -> Path:
    """The folder holding the installed requirements; installs them on first use."""
    target = cache_dir / f"deps-{requirements_key(requirements, python)}"
    return pip_install_once(
        target, python, ["-r", str(requirements)], f"{requirements}: pip install failed"
    )


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
    proc = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
    if proc.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        reason = detail[-1] if detail else f"pip exited with {proc.returncode}"
        raise DependencyInstallError(f"{failure}: {reason}")
    (staging / COMPLETE_MARKER).touch()
    try:
        staging.rename(target)
    except OSError:  # another process finished first; theirs is as good as ours
        shutil.rmtree(staging, ignore_errors=True)
    return target
