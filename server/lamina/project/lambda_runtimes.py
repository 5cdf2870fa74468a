"""The Python runtimes AWS Lambda offers, for checks and for new functions; which are custom."""

from __future__ import annotations

import sys

# Runtimes a new function can be created with (python3.9 is deprecated in December 2025 but
# still runs existing functions).
SUPPORTED_PYTHON_RUNTIMES = (
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
)
DEPRECATED_PYTHON_RUNTIMES = ("python2.7", "python3.6", "python3.7", "python3.8")
FALLBACK_RUNTIME = "python3.12"


def local_runtime() -> str:
    """The runtime matching this interpreter, when Lambda has it; else a current one."""
    name = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return name if name in SUPPORTED_PYTHON_RUNTIMES else FALLBACK_RUNTIME


def is_python_runtime(runtime: str) -> bool:
    return runtime.startswith("python")


def is_custom_runtime(runtime: str) -> bool:
    """An OS-only runtime (`provided.al2023`, `provided.al2`): the code's `bootstrap` runs."""
    return runtime.startswith("provided")
