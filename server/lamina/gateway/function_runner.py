"""The workspace's functions behind the gateway, run through the runtime pool.

A save is live on the next request: `code_changed` (from a file watcher) retires a function's
environments and starts a fresh one at once, so the next request finds new code already
initialised. Before each call the handler file's mtime is checked too, so a request that
arrives before the watcher's event still runs the saved code. Whichever sees a save first
starts the one new environment; the old ones end in the background (their kill is no part of
the new one's start).

Under `--debug FUNCTION` each request to that function gets a fresh debug environment (as
`lamina invoke --debug`), one at a time, from the workspace's own files, so breakpoints set in
the editor's files hit without path mappings.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lamina.project.lambda_runtimes import is_custom_runtime
from lamina.project.spec import FunctionSpec
from lamina.runtime.config import FunctionConfig
from lamina.runtime.debug import DebugSettings
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.pool import RuntimePool

log = logging.getLogger("lamina.gateway")


@dataclass
class DebugTarget:
    """`lamina api --debug FUNCTION`: which function, how, and who hears where to attach."""

    function: str  # logical id
    settings: DebugSettings
    announce: Callable[[int, str], None]  # (debugpy's port, request id)


def debug_refusal(function: str, runtime: str) -> str | None:
    """Why FUNCTION's requests can't be held under debugpy (None: they can)."""
    if not is_custom_runtime(runtime):
        return None
    return (
        f"{function} runs on {runtime}: its bootstrap is its own runtime, and debugpy can hold "
        "only Lamina's Python runtime client, so nothing would wait for a debugger. Start the "
        "bootstrap's own debugger from it instead (see docs/custom-runtimes.md)"
    )


def _stamp(path: Path | str) -> tuple[int, int]:
    """A file's (mtime, size): what tells one saved content from the next."""
    try:
        status = os.stat(path)
    except OSError:
        return (0, -1)
    return (status.st_mtime_ns, status.st_size)


class FunctionRunner:
    def __init__(
        self,
        pool: RuntimePool,
        configs: Mapping[str, FunctionConfig],
        debug: DebugTarget | None = None,
    ) -> None:
        """`configs`: logical id → the config to run it with. `debug`: that function's requests
        run under debugpy, one at a time."""
        self.pool = pool
        self.configs = dict(configs)
        self.debug = debug
        self._debug_turn = asyncio.Lock()
        # Told when a function's code changed (the gateway forgets cached authorizations).
        self.on_change: Callable[[str], None] = lambda function: None
        self._handler_files: dict[str, Path] = {}
        # Each file's stamp when its change was last acted on: one save sends a burst of watcher
        # events (truncate, write, close) and may be seen by a request first; only a new stamp
        # restarts anything, so a save costs one cold start, not three competing ones.
        self._seen: dict[str, tuple[int, int]] = {}
        self._stale: set[str] = set()  # saved since their environments started
        self._tasks: set[asyncio.Task[None]] = set()

    def watch_handler(self, spec: FunctionSpec) -> None:
        self._handler_files[spec.logical_id] = spec.handler_path
        self._seen[str(spec.handler_path)] = _stamp(spec.handler_path)

    @property
    def code_dirs(self) -> dict[str, Path]:
        return {name: config.code_dir for name, config in self.configs.items()}

    def check(self, function: str) -> None:
        """Notice a save of the function's handler file (one stat): the next invoke runs the
        new code, and `on_change` hears of it at once."""
        handler = self._handler_files.get(function)
        if handler is None:
            return
        stamp = _stamp(handler)
        if stamp != self._seen.get(str(handler)):
            self._seen[str(handler)] = stamp
            self._stale.add(function)
            self.on_change(function)

    def longest_run_s(self, function: str) -> float | None:
        """How long one invoke can last at most: init's limit plus the function's Timeout, both
        enforced by its environment (None under a debugger, which may hold it for ever)."""
        config = self.configs.get(function)
        if config is None or (self.debug is not None and self.debug.function == function):
            return None
        return self.pool.options.init_timeout + config.timeout

    async def invoke(
        self,
        function: str,
        event: bytes,
        request_id: str,
        on_chunk: Callable[[bytes], None] | None = None,
    ) -> InvocationResult:
        """`on_chunk` hears a streamed answer's bytes as the runtime sends them."""
        config = self.configs[function]
        self.check(function)
        if function in self._stale:  # saved, and no environment started since: start one
            self._stale.discard(function)
            await self.pool.retire(config.function_name, wait=False)
        request = InvocationRequest(payload=event, request_id=request_id, on_chunk=on_chunk)
        if self.debug is not None and self.debug.function == function:
            async with self._debug_turn:
                env = await self.pool.start_debug(config, self.debug.settings)
                self.debug.announce(env.debug_port or 0, request_id)
                return await self.pool.invoke_debug(env, request)
        return await self.pool.invoke(config, request)

    async def warm(self, functions: list[str] | None = None) -> None:
        """Start an environment for each function (all by default): `--warm`."""
        names = functions if functions is not None else list(self.configs)
        await asyncio.gather(*(self.pool.prewarm(self.configs[n]) for n in names))

    def code_changed(self, path: str) -> None:
        """A file changed on disk: retire the functions whose code folder holds it, and start
        fresh environments for those that were running."""
        stamp = _stamp(path)
        if self._seen.get(path) == stamp:
            return  # this content was already acted on (another event of the same save)
        self._seen[path] = stamp
        changed = Path(path)
        for name, config in self.configs.items():
            if not changed.is_relative_to(config.code_dir):
                continue
            self._stale.add(name)  # until _restart has retired the old environments
            self.on_change(name)
            task = asyncio.ensure_future(self._restart(name, config))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _restart(self, name: str, config: FunctionConfig) -> None:
        if name not in self._stale:
            return  # a request came first, and started the new environment itself
        self._stale.discard(name)
        try:
            if await self.pool.retire(config.function_name, wait=False):
                await self.pool.prewarm(config)
        except Exception as e:  # a broken save shows on the next request instead
            log.info("%s: restarting after a change failed: %s", name, e)
