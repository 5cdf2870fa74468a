"""Whether durable functions can run here: the testing package is an optional extra."""

from __future__ import annotations

import importlib.util
import sys

INSTALL_HINT = "pip install 'lamina[durable]'"


def missing_reason() -> str | None:
    """None when durable executions can run, else one line saying why not and what to do."""
    if sys.version_info < (3, 11):
        return "durable functions need Lamina on Python 3.11 or newer (AWS's runner needs it)"
    if importlib.util.find_spec("aws_durable_execution_sdk_python_testing") is None:
        return f"durable functions need Lamina's durable extra: {INSTALL_HINT}"
    return None
