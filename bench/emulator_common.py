"""What bench/emulator.py's sections share: the function's code and name, the plan, the run's
numbers and anomalies, and the printing helpers."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamina.deploy.package import build_zip

HANDLER = 'ANSWER = {answer!r}\n\ndef handler(event, context):\n    return {{"ok": True, "answer": ANSWER}}\n'
ROLE = "arn:aws:iam::123456789012:role/lamina-bench"
FUNCTION = "bench"
INVOKE_PATH = f"/2015-03-31/functions/{FUNCTION}/invocations"


@dataclass
class Plan:
    boto_invokes: int
    raw_invokes: int
    load_seconds: float
    load_connections: tuple[int, ...]
    control: int
    save_to_live: int
    async_events: int

    @classmethod
    def for_mode(cls, quick: bool) -> Plan:
        if quick:
            return cls(300, 1000, 2.0, (4, 16), 8, 8, 400)
        return cls(1000, 3000, 5.0, (1, 4, 16), 25, 20, 2000)


@dataclass
class Bench:
    plan: Plan
    root: Path
    sections: set[int]
    anomalies: list[str] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)

    def anomaly(self, message: str) -> None:
        self.anomalies.append(message)
        print(f"  ! {message}", flush=True)


# --- helpers -------------------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    s = sorted(samples)
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def fmt_ms(v: float | None) -> str:
    return "n/a" if v is None else (f"{v:.3f} ms" if v < 10 else f"{v:.1f} ms")


def fmt_ratio(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}x"


def verdict(value: float | None, limit: float, higher_is_better: bool = False) -> str:
    if value is None:
        return "n/a"
    ok = value >= limit if higher_is_better else value <= limit
    return "met" if ok else "NOT met"


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


def package(root: Path, answer: object) -> bytes:
    code = root / f"code-{uuid.uuid4().hex}"
    code.mkdir()
    (code / "app.py").write_text(HANDLER.format(answer=answer))
    try:
        return build_zip(code)
    finally:
        shutil.rmtree(code)


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = call()
    return (time.perf_counter() - t0) * 1000, result
