"""Stopping a project load that a newer version of its files has made moot.

A load runs in a worker thread, which nothing can interrupt from outside; the loaders call
`checkpoint()` at safe points instead (every few thousand YAML scalars, between resources,
between functions), and a load started under `stop_when(superseded)` ends there with
LoadSuperseded as soon as `superseded()` says so. Anywhere else (the CLI, tests) a checkpoint
costs one context-variable lookup and does nothing. Nothing a load builds is shared until it
returns, so stopping it loses nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

_superseded: ContextVar[Callable[[], bool] | None] = ContextVar("superseded", default=None)


class LoadSuperseded(Exception):
    """The files changed while they were being loaded: the result would be moot."""


def checkpoint() -> None:
    """Raise LoadSuperseded when the load under way has been made moot."""
    superseded = _superseded.get()
    if superseded is not None and superseded():
        raise LoadSuperseded


@contextlib.contextmanager
def stop_when(superseded: Callable[[], bool]) -> Iterator[None]:
    """Within this block (in this thread), checkpoints stop the load once `superseded()`."""
    token = _superseded.set(superseded)
    try:
        yield
    finally:
        _superseded.reset(token)
