"""`lamina api` watches the functions' code folders: a saved file restarts the functions whose
package holds it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

    from lamina.deploy.file_watch import FileWatcher
    from lamina.gateway.api_server import ApiServer


def packaged_changes(server: ApiServer) -> Callable[[str], None]:
    """A watcher callback that restarts functions only for files their package would hold
    (not __pycache__, .lamina/, .git/... nor what .laminaignore leaves out), and not for the
    events/ folder."""
    from lamina.deploy.code_paths import is_sample_events
    from lamina.deploy.ignore_rules import IgnoreRules

    rules = {d: IgnoreRules.for_code_dir(d) for d in set(server.runner.code_dirs.values())}

    def on_change(path: str) -> None:
        changed = Path(path)
        for code_dir, dir_rules in rules.items():
            if changed.is_relative_to(code_dir):
                relative = changed.relative_to(code_dir).as_posix()
                if is_sample_events(relative):
                    continue
                if relative != "." and not dir_rules.ignored_path(relative):
                    server.runner.code_changed(path)
                    return

    return on_change


async def watch_code(
    server: ApiServer,
    loop: asyncio.AbstractEventLoop,
    also: Callable[[str], object] | None = None,
    also_dirs: Iterable[Path] = (),
) -> FileWatcher:
    """Watch the functions' code folders: a change restarts what it touches. `also` gets every
    change too, in `also_dirs` as well (lamina serve --api: the emulator's copies)."""
    import asyncio

    from lamina.deploy.file_watch import FileWatcher

    restart = packaged_changes(server)
    on_change = restart
    if also is not None:
        tell = also

        def on_change(path: str) -> None:
            restart(path)
            tell(path)

    roots = sorted(set(server.runner.code_dirs.values()) | set(also_dirs))
    watcher = FileWatcher(roots, on_change)
    await asyncio.to_thread(watcher.start, loop)
    return watcher
