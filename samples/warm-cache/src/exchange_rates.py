"""Currency converter that shows what survives between invokes of one execution environment.

- Module globals live as long as the environment: `_invocations` counts this environment's
  invokes, so the first one is the cold start.
- The temp dir does too. The exchange-rate table is cached in a file under
  `tempfile.gettempdir()` (Lambda's /tmp) for RATES_TTL_SECONDS; a warm invoke reads it instead
  of fetching the rates again. A new environment starts with an empty temp dir.

Direct invoke: {"amount": 250, "from": "EUR", "to": "JPY"}. Any other event (e.g. a scheduled
keep-warm ping) only refreshes the cache and reports its state.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

RATES_TTL_SECONDS = int(os.environ.get("RATES_TTL_SECONDS", "900"))
CACHE_FILE_NAME = "exchange-rates.json"

_invocations = 0  # per execution environment


def cache_file() -> Path:
    # Not a literal "/tmp": gettempdir() honours TMPDIR, so the same code works on Lambda and
    # locally (where each environment gets its own temp dir).
    return Path(tempfile.gettempdir()) / CACHE_FILE_NAME


def fetch_rates() -> dict[str, float]:
    """Units of each currency per US dollar. Stands in for a call to a rates service."""
    logger.info("fetching exchange rates")
    return {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 151.6, "CHF": 0.88}


def load_rates() -> tuple[dict[str, Any], bool]:
    """The cached table (and True) if it is fresh, else a newly fetched one (and False)."""
    path = cache_file()
    try:
        cached = json.loads(path.read_text())
        if time.time() - cached["cachedAtEpoch"] < RATES_TTL_SECONDS:
            return cached, True
    except (FileNotFoundError, ValueError, KeyError):
        pass
    now = time.time()
    entry = {
        "rates": fetch_rates(),
        "cachedAtEpoch": now,
        "cachedAt": datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="milliseconds"),
    }
    path.write_text(json.dumps(entry))
    return entry, False


def convert(rates: dict[str, float], amount: float, source: str, target: str) -> float:
    for currency in (source, target):
        if currency not in rates:
            raise ValueError(f"unknown currency {currency!r}; known: {', '.join(sorted(rates))}")
    return round(amount / rates[source] * rates[target], 2)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _invocations
    _invocations += 1
    entry, hit = load_rates()
    logger.info(
        "invocation %d in this environment; rates cache %s", _invocations, "hit" if hit else "miss"
    )
    result: dict[str, Any] = {
        "invocations": _invocations,
        "coldStart": _invocations == 1,
        "cacheHit": hit,
        "cachedAt": entry["cachedAt"],
        "cacheFile": str(cache_file()),
    }
    if "amount" in event:
        source, target = event.get("from", "USD"), event.get("to", "USD")
        result["conversion"] = {
            "amount": event["amount"],
            "from": source,
            "to": target,
            "result": convert(entry["rates"], float(event["amount"]), source, target),
        }
    return result
