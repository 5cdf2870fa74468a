"""A function's requirements.txt, installed once per content and interpreter into a cache folder.

Lambda puts a function's dependencies beside its code; locally they go into
`.lamina/state/cache/deps-<hash>` and onto the import path after the code dir. The key covers the
requirements text and the interpreter (version and platform), since wheels differ between them.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from lamina.pip_target import COMPLETE_MARKER, DependencyInstallError, pip_install_once

__all__ = ["DependencyInstallError", "ensure_dependencies", "is_installed", "pip_install_once"]


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
