"""A download's progress, said as it goes: bytes so far of the total, at each tenth of the total
(each 10 MB when the total isn't known) and at the end; on a terminal, one line rewritten.

The first download of an ARN layer can be tens of MB (deploy/layer_download.py): the CLI shows
this on stderr, the language server in its log.
"""

from __future__ import annotations

from collections.abc import Callable

STEP_UNKNOWN = 10 << 20  # bytes between two reports when the total is not known


def size_text(count: int) -> str:
    if count < 1000:
        return f"{count} B"
    if count < 1_000_000:
        return f"{count / 1e3:.0f} kB"
    return f"{count / 1e6:.1f} MB"


class DownloadProgress:
    """Called with (bytes received, total or 0) after each chunk and once more at the end
    (`done`); hands `say` a line when there is something new to show."""

    def __init__(self, label: str, say: Callable[[str], None], live: bool = False) -> None:
        self.label = label
        self.say = say
        self.live = live  # a terminal: every chunk, one line rewritten (`say` adds no newline)
        self._next = 0
        self._last = ""

    def __call__(self, received: int, total: int, done: bool = False) -> None:
        if not done and not self.live and received < self._next:
            return
        if total:
            percent = min(100, received * 100 // total)
            line = f"{self.label}: {size_text(received)} of {size_text(total)} ({percent} %)"
            self._next = (percent // 10 + 1) * total // 10
        else:
            line = f"{self.label}: {size_text(received)}"
            self._next = received + STEP_UNKNOWN
        if line == self._last and not (done and self.live):
            return  # the end, already said by the last chunk
        self._last = line
        if self.live:
            self.say("\r" + line + ("\n" if done else ""))
        else:
            self.say(line)
