"""Changes on disk from outside the editor (git checkout, formatters, other tools), via watchdog.

watchdog calls back on its own thread; `FileWatcher` hands each changed path to the event loop
(`call_soon_threadsafe`). Opening or reading a file is not a change: packaging reads every file,
and must not trigger itself.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
_CHANGES = frozenset({"created", "modified", "deleted", "moved", "closed"})


class FileWatcher:
    def __init__(self, roots: list[Path], on_change: Callable[[str], object]) -> None:
        self.roots = roots
        self.on_change = on_change
        self._observer: Any = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch the roots recursively (blocking: starts watchdog's thread)."""
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        deliver = self.on_change

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.event_type not in _CHANGES:
                    return
                for raw in (event.src_path, getattr(event, "dest_path", "")):
                    if raw:
                        path = os.fsdecode(raw)
                        try:
                            loop.call_soon_threadsafe(deliver, path)
                        except RuntimeError:  # the loop is closed: we are shutting down
                            return

        observer = Observer()
        handler = Handler()
        for root in self.roots:
            observer.schedule(handler, os.fspath(root), recursive=True)
        observer.daemon = True
        observer.start()
        self._observer = observer

    def stop(self) -> None:
        """Stop watching (blocking: joins watchdog's thread)."""
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)
