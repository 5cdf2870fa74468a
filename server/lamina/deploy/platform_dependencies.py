"""A function's requirements.txt installed for Lambda's platform (the AWS target).

Wheels for this machine may not import on Lambda (another Python, CPU or libc), so for AWS pip
fetches binary wheels for the function's runtime and architecture:

    pip install --target DIR --only-binary=:all: --implementation cp
        --python-version 3.12 --platform manylinux2014_x86_64 [--platform manylinux_2_28_x86_64]

The result is cached in `.lamina/state/cache/deps-lambda-<hash>`, keyed by the requirements'
text, the runtime and the architecture. The emulator target uses `dependencies.py` instead: its
handlers run on this machine's interpreter.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from lamina.pip_target import DependencyInstallError, lambda_platforms, pip_install_once

_RUNTIME = re.compile(r"^python(\d+)\.(\d+)$")


def python_version(runtime: str) -> str:
    match = _RUNTIME.match(runtime)
    if match is None:
        raise DependencyInstallError(f"runtime {runtime!r} is not a Python runtime")
    return f"{match.group(1)}.{match.group(2)}"


def platform_key(requirements: Path, runtime: str, architecture: str) -> str:
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"\0lambda\0{runtime}\0{architecture}".encode())
    return digest.hexdigest()[:16]


def ensure_platform_dependencies(
    requirements: Path, runtime: str, architecture: str, cache_dir: Path
) -> Path:
    """The folder holding `requirements` installed for Lambda; installs them on first use."""
    target = cache_dir / f"deps-lambda-{platform_key(requirements, runtime, architecture)}"
    pip_args = ["--only-binary=:all:", "--implementation", "cp",
                "--python-version", python_version(runtime), "-r", str(requirements)]  # fmt: skip
    for platform in lambda_platforms(runtime, architecture):
        pip_args += ["--platform", platform]
    return pip_install_once(
        target,
        sys.executable,
        pip_args,
        f"{requirements}: pip could not install them for Lambda ({runtime}, {architecture})",
        cwd=requirements.parent,
    )
