"""The platform's log lines (START, END, REPORT) and a bounded capture of a child's output."""

from __future__ import annotations

import math
import time


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


class Report:
    """A REPORT line's figures. A plain class: one is made for every invoke, and a frozen
    dataclass's __init__ (object.__setattr__ per field) cost more than the line itself."""

    __slots__ = (
        "request_id",
        "duration_ms",
        "memory_size_mb",
        "max_memory_used_mb",
        "init_duration_ms",
        "note",
        "billed_duration_ms",
    )

    def __init__(
        self,
        request_id: str,
        duration_ms: float,
        memory_size_mb: int,
        max_memory_used_mb: int,
        init_duration_ms: float | None = None,
        note: str = "",  # e.g. debugging: the timeout was suspended
    ) -> None:
        self.request_id = request_id
        self.duration_ms = duration_ms
        self.memory_size_mb = memory_size_mb
        self.max_memory_used_mb = max_memory_used_mb
        self.init_duration_ms = init_duration_ms
        self.note = note
        # Since August 2025 Lambda bills the init phase of on-demand functions too.
        self.billed_duration_ms = max(1, math.ceil(duration_ms + (init_duration_ms or 0.0)))

    def line(self) -> str:
        # Each field ends with a tab, the last one too: AWS's recorded logs end
        # "...Init Duration: 110.10 ms\t\n".
        line = (
            f"REPORT RequestId: {self.request_id}\tDuration: {self.duration_ms:.2f} ms\t"
            f"Billed Duration: {self.billed_duration_ms} ms\tMemory Size: {self.memory_size_mb} MB\t"
            f"Max Memory Used: {self.max_memory_used_mb} MB\t"
        )
        if self.init_duration_ms is not None:
            line += f"Init Duration: {self.init_duration_ms:.2f} ms\t"
        if self.note:
            line += f"{self.note}\t"
        return line + "\n"


def platform_timestamp() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


class OutputCapture:
    """A child's output for one invocation: all of it up to a limit; past that, the head and the
    tail with a marker between, so a flood can't exhaust memory but the end is still there."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def write(self, data: bytes) -> None:
        half = self.limit // 2
        if not self.tail and len(self.head) + len(data) <= self.limit:
            self.head += data
            return
        if len(self.head) > half:  # first overflow: move the head's end to the tail
            self.tail += self.head[half:]
            del self.head[half:]
        self.tail += data
        excess = len(self.tail) - (self.limit - half)
        if excess > 0:
            del self.tail[:excess]
            self.dropped += excess

    def text(self) -> str:
        head = self.head.decode("utf-8", "replace")
        if not self.dropped and not self.tail:
            return head
        marker = (
            f"\n[lamina] ... {self.dropped} bytes of output omitted ...\n" if self.dropped else ""
        )
        return head + marker + self.tail.decode("utf-8", "replace")

    def take(self) -> str:
        if not (self.head or self.tail or self.dropped):  # nothing written (most invokes)
            return ""
        text = self.text()
        self.head, self.tail, self.dropped = bytearray(), bytearray(), 0
        return text
