"""A function's sync state, as status bars show it: DESIGN's `lamina/syncStatus` payload."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class SyncState(str, enum.Enum):
    IDLE = "idle"
    QUEUED = "queued"
    PACKAGING = "packaging"
    UPLOADING = "uploading"
    WAITING = "waiting"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class SyncStatus:
    """One state change of one function on one target.

    `notify` is True when the user should be told (a failure the first time it happens, and
    the success that ends a run of failures); repeats of the same failure have it False, so an
    editor shows a message once, not on every save.
    """

    function: str  # logical id
    target: str  # "emulator" | "aws"
    state: SyncState
    code_sha256: str | None = None
    version: str | None = None
    message: str | None = None
    notify: bool = False

    @property
    def finished(self) -> bool:
        return self.state in (SyncState.DONE, SyncState.FAILED)

    def to_payload(self) -> dict[str, Any]:
        """The `lamina/syncStatus` notification's params."""
        payload: dict[str, Any] = {
            "function": self.function,
            "target": self.target,
            "state": self.state.value,
        }
        if self.code_sha256 is not None:
            payload["codeSha256"] = self.code_sha256
        if self.version is not None:
            payload["version"] = self.version
        if self.message is not None:
            payload["message"] = self.message
        return payload


StatusListener = Callable[[SyncStatus], None]
