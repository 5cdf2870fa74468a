"""The event loop the servers run on (`lamina serve`, `lamina api`): uvloop where installed.

A module of its own so that `lamina api` gets it without importing the emulator (its app, the
durable SDK and boto3: close to a second of start-up on a loaded machine)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any


def run_event_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run `lamina serve` on uvloop where it is installed (less CPU per request: warm invokes
    answer sooner and more of them fit in a second), else on asyncio's loop.
    LAMINA_EVENT_LOOP=asyncio picks asyncio's anyway (to compare, or to rule uvloop out)."""
    if os.environ.get("LAMINA_EVENT_LOOP") != "asyncio":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            uvloop.run(main)
            return
    asyncio.run(main)
