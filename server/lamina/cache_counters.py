"""How often Lamina did the slow steps behind its caches: pip runs, downloads, zip reads, folder
walks, content hashes. A cache hit must do none of them; tests and bench/layers.py read these
counters to show it (time alone can't, on a loaded machine).

It imports nothing, so any module may count.
"""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()


def count(step: str) -> None:
    COUNTS[step] += 1
