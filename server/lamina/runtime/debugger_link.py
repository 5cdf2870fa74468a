"""A debug environment's debugpy, as the environment sees it: the port it listens on (once the
child's launcher says so), and whether an editor has attached (which may suspend the timeout)."""

from __future__ import annotations

import asyncio
from typing import Any

from lamina.runtime.debug import DebugSettings


class DebuggerLink:
    def __init__(self, settings: DebugSettings) -> None:
        self.settings = settings
        self.port: int | None = None
        self.attached = False
        self._listening: asyncio.Future[int] | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._listening = loop.create_future()

    async def listening(self) -> int:
        """debugpy's port, once the child's debugpy is listening."""
        assert self._listening is not None, "start() a debug environment first"
        return await asyncio.shield(self._listening)

    def exited(self, returncode: int) -> None:
        """The child is gone: whoever waits for debugpy's port hears why."""
        if self._listening is not None and not self._listening.done():
            self._listening.set_exception(
                RuntimeError(f"the debug environment exited ({returncode}) before debugpy listened")
            )

    def on_event(self, event: str, payload: dict[str, Any]) -> bool:
        """The launcher's report: "listening" (with debugpy's port), "failed" (with why) or
        "attached". True if the timeout is now suspended."""
        if event == "listening":
            self.port = int(payload.get("port", 0))
            if self._listening is not None and not self._listening.done():
                self._listening.set_result(self.port)
        elif event == "failed":  # debugpy could not listen: the launcher ends after this
            error = str(payload.get("error") or "debugpy could not listen")
            if self._listening is not None and not self._listening.done():
                self._listening.set_exception(RuntimeError(error))
        elif event == "attached":
            self.attached = True
        return self.suspends_timeout

    @property
    def suspends_timeout(self) -> bool:
        """An attached debugger stops the function's clock (if the settings say so)."""
        return self.settings.suspend_timeout and self.attached
