"""`$/progress` for long work, cancellable from the editor, with a fallback for clients that
lack it (a log line, and a message for work the user should know is happening)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:
    from lamina.lsp.server import LaminaServer

log = logging.getLogger(__name__)


class Progress:
    def __init__(
        self,
        ls: LaminaServer,
        title: str,
        on_cancel: Callable[[], None] | None = None,
        announce: bool = False,
    ) -> None:
        self.ls = ls
        self.title = title
        self.on_cancel = on_cancel
        self.announce = announce
        self.token: str | None = None

    async def begin(self, message: str | None = None) -> None:
        ls = self.ls
        if ls.capability("window.work_done_progress"):
            token = f"lamina-{uuid.uuid4()}"
            try:
                await ls.work_done_progress.create_async(token)
            except Exception as e:  # the client refused: fall back to messages
                log.debug("window/workDoneProgress/create failed: %s", e)
            else:
                self.token = token
                ls.work_done_progress.begin(
                    token,
                    types.WorkDoneProgressBegin(
                        title=self.title, message=message, cancellable=self.on_cancel is not None
                    ),
                )
                future = ls.work_done_progress.tokens.get(token)
                if future is not None and self.on_cancel is not None:
                    loop = asyncio.get_running_loop()
                    on_cancel = self.on_cancel

                    def cancelled(done: Any) -> None:
                        if done.cancelled():
                            loop.call_soon_threadsafe(on_cancel)

                    future.add_done_callback(cancelled)
                return
        text = f"{self.title}: {message}" if message else f"{self.title}…"
        ls.log_to_client(text, types.MessageType.Info)
        if self.announce:
            ls.show(text)

    def report(self, message: str, percentage: int | None = None) -> None:
        if self.token is not None:
            self.ls.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=message, percentage=percentage)
            )
        else:
            self.ls.log_to_client(f"{self.title}: {message}")

    def end(self, message: str | None = None) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.ls.work_done_progress.tokens.pop(self.token, None)
            self.token = None


@contextlib.asynccontextmanager
async def progress_after(
    ls: LaminaServer, title: str, delay: float, on_cancel: Callable[[], None] | None = None
) -> AsyncIterator[None]:
    """Show progress only if the work inside takes longer than `delay` seconds: a warm run
    finishes before any progress message is sent."""
    progress = Progress(ls, title, on_cancel)
    started = False

    async def begin_later() -> None:
        nonlocal started
        await asyncio.sleep(delay)
        started = True
        await progress.begin()

    timer = asyncio.ensure_future(begin_later())
    try:
        yield
    finally:
        if not started:
            timer.cancel()
        else:
            with contextlib.suppress(Exception):
                await asyncio.shield(timer)
            progress.end()
