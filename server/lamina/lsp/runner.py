"""Runs the project's functions for the editor: one runtime pool, warm environments per function,
no stale code. No pygls here.

- A run's environment config is built the same way for a run and for a prewarm, so the
  environment a prewarm started is the one the first run takes.
- A function's warm environments are retired when its files change (the server calls
  `retire`), and, as a last guard against a missed file event, when its handler file's
  mtime or size differs from the last run's.
- Requirements are installed once per content and interpreter (in a worker thread).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lamina.lsp.settings import LaminaSettings
from lamina.project.spec import FunctionSpec

if TYPE_CHECKING:
    from lamina.runtime.config import FunctionConfig, RuntimeOptions
    from lamina.runtime.credentials import CredentialSource
    from lamina.runtime.debug import DebugSettings
    from lamina.runtime.environment import ExecutionEnvironment
    from lamina.runtime.invocation import InvocationRequest, InvocationResult
    from lamina.runtime.pool import RuntimePool

log = logging.getLogger(__name__)
_Stamp = tuple[int, int]


class RunError(Exception):
    """A run could not start: one line for the user."""


class FunctionRunner:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.settings = LaminaSettings()
        self._pool: RuntimePool | None = None
        self._options_key: tuple[str, str, str | None, str | None] | None = None
        self._credentials: CredentialSource | None = None
        self._credentials_noticed = False
        self._dependencies: dict[tuple[str, int, int, str], Path] = {}
        self._stamps: dict[str, _Stamp | None] = {}
        self._code_dirs: dict[str, str] = {}  # function name -> its code folder, normalized
        self._debugging: dict[ExecutionEnvironment, RuntimePool] = {}  # env -> its pool
        self._interpreters: dict[tuple[str, str], str] = {}  # (function, runtime) -> python

    @property
    def python(self) -> str:
        return str(self.settings.get("python") or sys.executable)

    def _key(self, settings: LaminaSettings) -> tuple[str, str, str | None, str | None]:
        return (
            str(settings.get("python") or sys.executable),
            settings.runtime_client,
            settings.text("credentials.profile"),
            settings.text("credentials.assumeRole"),
        )

    async def configure(self, settings: LaminaSettings) -> None:
        """Take new settings; a new interpreter, runtime client or credentials ends the
        environments started with the old ones."""
        changed = self._options_key is not None and self._key(settings) != self._options_key
        self.settings = settings
        self._interpreters.clear()  # interpreters, python or strictRuntime may have changed
        if changed:
            await self.close()
            from lamina.runtime import fork_server

            # Spares made ready under the old settings end too: nothing of them is left.
            await asyncio.to_thread(fork_server.drop_all_spares)

    def _runtime_options(self) -> RuntimeOptions:
        from lamina.runtime.config import RuntimeOptions

        return RuntimeOptions(python=self.python, runtime_client=self.settings.runtime_client)

    def pool(self) -> RuntimePool:
        if self._pool is None:
            from lamina.runtime.credentials import credential_source
            from lamina.runtime.pool import RuntimePool

            self._options_key = self._key(self.settings)
            self._credentials = credential_source(
                self.settings.text("credentials.assumeRole"),
                self.settings.text("credentials.profile"),
                None,
                session_name="lamina-lsp",
            )
            self._credentials_noticed = False
            self._pool = RuntimePool(self._runtime_options(), credentials=self._credentials_env)
        return self._pool

    async def _credentials_env(self) -> tuple[dict[str, str], datetime | None]:
        from lamina.runtime.credentials import CredentialsError

        source = self._credentials
        if source is None:
            return {}, None
        try:
            creds = await source.current()
        except CredentialsError as e:
            raise RunError(str(e)) from None
        if source.notice and not self._credentials_noticed:
            self._credentials_noticed = True
            log.info("%s", source.notice)
        return (creds.as_env() if creds else {}), (creds.expiry if creds else None)

    # --- dependencies ---------------------------------------------------------------------

    def python_for(self, spec: FunctionSpec) -> str:
        """The interpreter for the function's Runtime (runtime/interpreters.py), its warnings
        logged once per function. Blocking the first time (it may start interpreters)."""
        key = (spec.logical_id, spec.runtime)
        known = self._interpreters.get(key)
        if known is not None:
            return known
        from lamina.project.folder_settings import interpreter_mapping
        from lamina.runtime.interpreters import choose_interpreter
        from lamina.runtime.package_set import InterpreterError

        try:
            choice = choose_interpreter(
                spec.logical_id,
                spec.runtime,
                interpreters=interpreter_mapping(self.settings.get("interpreters"), self.root),
                python_setting=self.settings.text("python"),
                strict=bool(self.settings.get("strictRuntime")),
            )
        except InterpreterError as e:
            raise RunError(str(e)) from None
        for warning in choice.warnings:
            log.warning("%s", warning)
        self._interpreters[key] = choice.path
        return choice.path

    def _dependency_key(self, spec: FunctionSpec, requirements: Path) -> tuple[str, int, int, str]:
        info = requirements.stat()
        return (str(requirements), info.st_mtime_ns, info.st_size, self.python_for(spec))

    def installed_already(self, spec: FunctionSpec) -> bool:
        """A quick answer, without hashing: no requirements, or installed in this session."""
        requirements = spec.requirements_file
        if requirements is None:
            return True
        python = self._interpreters.get((spec.logical_id, spec.runtime))
        return python is not None and self._dependency_key(spec, requirements) in self._dependencies

    def needs_install(self, spec: FunctionSpec) -> bool:
        """Whether a run must install requirements first (blocking: may hash and run python)."""
        requirements = spec.requirements_file
        if requirements is None:
            return False
        if self._dependency_key(spec, requirements) in self._dependencies:
            return False
        from lamina.deploy.dependencies import is_installed
        from lamina.project.workspace import cache_dir

        return not is_installed(requirements, self.python_for(spec), cache_dir(self.root))

    async def dependency_paths(self, spec: FunctionSpec) -> tuple[Path, ...]:
        requirements = spec.requirements_file
        if requirements is None:
            return ()
        key = await asyncio.to_thread(self._dependency_key, spec, requirements)
        if key not in self._dependencies:
            from lamina.deploy.dependencies import DependencyInstallError, ensure_dependencies
            from lamina.project.workspace import cache_dir

            cache = cache_dir(self.root)
            try:
                path = await asyncio.to_thread(ensure_dependencies, requirements, key[3], cache)
            except DependencyInstallError as e:
                raise RunError(str(e)) from None
            self._dependencies[key] = path
        return (self._dependencies[key],)

    # --- running --------------------------------------------------------------------------

    async def config_for(
        self, spec: FunctionSpec, environment: Mapping[str, str] | None = None
    ) -> FunctionConfig:
        from lamina.runtime.config import FunctionConfig

        self._code_dirs[spec.function_name] = os.path.normcase(os.path.abspath(spec.code_dir))
        env = dict(spec.environment)
        env.update(environment or {})
        return FunctionConfig.from_spec(
            spec,
            environment=tuple(sorted(env.items())),
            extra_paths=await self.dependency_paths(spec),
            python=await asyncio.to_thread(self.python_for, spec),
            **await self.layer_fields(spec),
            mounts=await asyncio.to_thread(self._efs_mounts, spec),
        )

    def _efs_mounts(self, spec: FunctionSpec) -> tuple[tuple[str, Path], ...]:
        from lamina.project.folder_settings import folder_mapping
        from lamina.project.workspace import state_dir
        from lamina.runtime.efs import efs_mounts

        if not spec.file_systems:
            return ()
        mapped = folder_mapping(self.settings.get("efs"), self.root)
        return efs_mounts(spec, state_dir(self.root), mapped)

    async def layer_fields(self, spec: FunctionSpec) -> dict[str, object]:
        """FunctionConfig's layer fields (runtime/layers.py: the merged /opt and its sys.path
        entries); warnings logged."""
        if not spec.layers:
            return {}
        from lamina.deploy.layer_download import LayerDownloader
        from lamina.pip_target import DependencyInstallError
        from lamina.project.folder_settings import folder_mapping
        from lamina.project.workspace import cache_dir
        from lamina.runtime.layers import function_layers
        from lamina.runtime.package_set import cache_root

        mapped = folder_mapping(self.settings.get("layers"), self.root)
        # Its progress is logged from the download's thread: ClientLogHandler takes it to the
        # editor's log as it comes.
        download = LayerDownloader(
            cache_root() / "layers", self.settings.text("credentials.profile")
        )
        try:
            found = await asyncio.to_thread(
                function_layers,
                spec.layers,
                await asyncio.to_thread(self.python_for, spec),
                cache_dir(self.root),
                mapped,
                download,
            )
        except DependencyInstallError as e:
            raise RunError(str(e)) from None
        for warning in found.warnings:
            log.warning("%s: %s", spec.logical_id, warning)
        return found.config_fields()

    def _stamp(self, spec: FunctionSpec) -> _Stamp | None:
        try:
            info = os.stat(spec.handler_path)
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size)

    async def _forget_stale(self, spec: FunctionSpec) -> None:
        stamp = self._stamp(spec)
        name = spec.function_name
        if name in self._stamps and self._stamps[name] != stamp:
            count = await self.pool().retire(name, wait=False)  # the old ones end meanwhile
            if count:
                log.info("%s changed on disk: %d environment(s) retired", spec.handler_path, count)
        self._stamps[name] = stamp

    async def invoke(
        self, spec: FunctionSpec, config: FunctionConfig, payload: bytes
    ) -> InvocationResult:
        from lamina.runtime.invocation import InvocationRequest
        from lamina.runtime.throttling import FunctionThrottled

        await self._forget_stale(spec)
        try:
            return await self.pool().invoke(config, InvocationRequest(payload=payload))
        except FunctionThrottled as e:  # ReservedConcurrentExecutions, as Lambda refuses it
            raise RunError(str(e)) from None
        except FileNotFoundError as e:
            message = f"cannot start the Python interpreter {config.python or self.python!r}: {e.strerror}"
            raise RunError(message) from None

    async def start_debug(
        self, config: FunctionConfig, debug: DebugSettings
    ) -> ExecutionEnvironment:
        """A debug environment of its own (never a warm one): returns once debugpy listens."""
        pool = self.pool()
        try:
            env = await pool.start_debug(config, debug)
        except FileNotFoundError as e:
            message = f"cannot start the Python interpreter {config.python or self.python!r}: {e.strerror}"
            raise RunError(message) from None
        except RuntimeError as e:
            port = f" on port {debug.port} (lamina.debug.port)" if debug.port else ""
            raise RunError(f"the debugger did not start{port}: {e}") from None
        self._debugging[env] = pool
        return env

    async def invoke_debug(
        self, env: ExecutionEnvironment, request: InvocationRequest
    ) -> InvocationResult:
        """Invoke once the client has attached, then end the environment."""
        pool = self._debugging.get(env) or self.pool()
        try:
            return await pool.invoke_debug(env, request)
        finally:
            self._debugging.pop(env, None)

    async def end_debug(self, env: ExecutionEnvironment) -> None:
        """End a debug environment that ran several invocations (a durable execution's)."""
        self._debugging.pop(env, None)
        await env.kill()

    async def prewarm(self, spec: FunctionSpec) -> bool:
        """Start one environment for the function unless it has one or needs an install."""
        if await asyncio.to_thread(self.needs_install, spec):
            return False
        config = await self.config_for(spec)
        await self._forget_stale(spec)
        await self.pool().prewarm(config)
        return True

    async def retire(self, function_name: str) -> int:
        self._stamps.pop(function_name, None)
        if self._pool is None:
            return 0
        return await self._pool.retire(function_name, wait=False)  # the old ones end meanwhile

    async def retire_using(self, path: Path) -> list[str]:
        """Retire the functions whose code folder holds `path`; returns their names."""
        target = os.path.normcase(os.path.abspath(path))
        names = [
            name
            for name, folder in self._code_dirs.items()
            if target == folder or target.startswith(folder.rstrip(os.sep) + os.sep)
        ]
        for name in names:
            await self.retire(name)
        return names

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        self._stamps.clear()
        self._debugging.clear()
        if pool is not None:
            await pool.close()

    def kill_children_now(self) -> None:
        """End every environment at once, without the event loop (shutdown, exit, signals)."""
        if self._pool is None:
            return
        from lamina.runtime.process_tree import kill_tree

        for env in [*self._pool.environments(), *self._debugging]:
            if env.pid is not None:
                kill_tree(env.pid)  # its setsid children and debugpy too, not only its group
