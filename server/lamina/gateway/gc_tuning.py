"""The long-lived heap out of the garbage collector's way once `lamina api` is up.

After start-up the process holds a few hundred thousand objects that live as long as it does
(aiohttp, botocore's models when loaded, the template, the route table). Every full (oldest
generation) collection walks all of them, a pause of milliseconds that lands on whichever
request happens to allocate the object that triggers it: a tail-latency cost. `gc.freeze()`
moves them to a permanent generation that collections skip; objects made later are collected as
before. `LAMINA_GC_FREEZE=0` leaves the collector as Python sets it (for measuring: see
bench/gateway_gc.py).
"""

from __future__ import annotations

import gc
import os


def freeze_startup_heap() -> int:
    """Collect once, then freeze what is left; the number of objects frozen (0 when off)."""
    if os.environ.get("LAMINA_GC_FREEZE", "1") == "0":
        return 0
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
