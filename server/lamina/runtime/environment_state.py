"""The shapes the pool and an execution environment share: the environment's state, and the
exception that says it died while idle."""

from __future__ import annotations

import enum


class EnvironmentState(enum.Enum):
    INIT = "init"
    READY = "ready"
    BUSY = "busy"
    DEAD = "dead"


class EnvironmentGone(Exception):
    """The environment died while idle: the invocation was not started, so it can go elsewhere."""
