"""The runtime pool: warm execution environments per function version.

Init runs once per environment and the environment is reused while it lives. The pool spawns on
demand up to a concurrency limit per function version, queues callers beyond it, reaps idle
environments, replaces dead ones, and retires a function's environments when its code changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from lamina.runtime.child_process import ChildProcess
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.debug import DebugSettings
from lamina.runtime.environment import EnvironmentGone, EnvironmentState, ExecutionEnvironment
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.managed_environment import new_environment
from lamina.runtime.pool_slot import Slot
from lamina.runtime.throttling import FunctionThrottled

log = logging.getLogger(__name__)

# Returns the credential variables for a new environment, and when they expire (None: never).
CredentialsProvider = Callable[[], Awaitable[tuple[dict[str, str], datetime | None]]]


class RuntimePool:
    def __init__(
        self,
        options: RuntimeOptions | None = None,
        credentials: CredentialsProvider | None = None,
    ) -> None:
        self.options = options or RuntimeOptions()
        self._credentials = credentials
        self._slots: dict[FunctionConfig, list[Slot]] = {}
        self._freed: dict[FunctionConfig, asyncio.Condition] = {}
        self._waiting: Counter[FunctionConfig] = Counter()  # callers waiting on `_freed`
        # The config last seen for each (function, version, tenant): a different one retires the
        # rest (of every tenant).
        self._latest: dict[tuple[str, str, str | None], FunctionConfig] = {}
        self._reaper: asyncio.Task[None] | None = None
        self._debugging: set[ExecutionEnvironment] = set()
        self._closed = False
        self._in_flight: Counter[str] = Counter()  # per function name, under a reserved limit
        self._ending: set[asyncio.Future[None]] = set()  # kills of retire(wait=False)
        # MaxExecutionEnvironments per (function, version): instead of options.max_concurrency.
        self._environment_limits: dict[tuple[str, str], int] = {}

    # --- public API -------------------------------------------------------------------------

    async def invoke(self, config: FunctionConfig, request: InvocationRequest) -> InvocationResult:
        """Run one invocation. Raises FunctionThrottled beyond the function's reserved
        concurrency, as Lambda refuses it (TooManyRequestsException) before any code runs."""
        if config.reserved_concurrency is not None:
            return await self._within_reserved(config, request)
        return await self._invoke(config, request)

    async def _within_reserved(
        self, config: FunctionConfig, request: InvocationRequest
    ) -> InvocationResult:
        name = config.function_name
        if self._in_flight[name] >= (config.reserved_concurrency or 0):
            raise FunctionThrottled(name, config.reserved_concurrency or 0)
        self._in_flight[name] += 1
        try:
            return await self._invoke(config, request)
        finally:
            self._in_flight[name] -= 1

    async def _invoke(self, config: FunctionConfig, request: InvocationRequest) -> InvocationResult:
        while True:
            slot = await self._acquire(config)
            # The environment's tenant is the one its runtime hears of (none unless isolated).
            request.tenant_id = config.tenant_id
            try:
                return await slot.env.invoke(request)
            except EnvironmentGone:
                # It died while idle (killed from outside); the event never reached it, so
                # hand it to another environment instead of losing it.
                log.info("environment of %s died while idle; replacing it", config.function_name)
            finally:
                waited = self._waiting and config in self._waiting  # (hashing a config costs)
                if not waited and slot.usable():  # the common case: no await
                    slot.leases -= 1
                else:
                    await self._release(config, slot)

    async def prewarm(self, config: FunctionConfig) -> None:
        """Start one environment ahead of time, unless one is already there."""
        slots = [s for s in self._slots.get(config, []) if s.usable()]
        if not slots and not self._closed:
            await self._retire_other_configs(config)
            with contextlib.suppress(EnvironmentGone):  # stopped (retired, closed) as it started
                await self._spawn(config)

    async def provision(self, config: FunctionConfig, count: int) -> int:
        """Provisioned concurrency: keep `count` environments of `config` initialised ahead.
        They start with AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency, are never reaped
        for being idle, and report no Init Duration (their init ran before any invoke). Returns
        once every new one has run its init (or failed): the number ready. Extra provisioned
        environments (a lower count) become ordinary ones, reaped when idle."""
        if self._closed:
            return 0
        await self._retire_other_configs(config)
        provisioned = [s for s in self._slots.get(config, []) if s.provisioned and s.usable()]
        for slot in provisioned[count:]:
            slot.provisioned = False
        missing = max(0, count - len(provisioned))
        await asyncio.gather(*(self._spawn(config, provisioned=True) for _ in range(missing)))
        slots = [s for s in self._slots.get(config, []) if s.provisioned]
        while any(s.env.state is EnvironmentState.INIT for s in slots):
            await asyncio.sleep(0.01)
        return sum(1 for s in slots if s.usable())

    def limit_environments(self, function_name: str, version: str, limit: int | None) -> None:
        """At most `limit` environments of a function version (a Managed Instances function's
        MaxExecutionEnvironments); None: the pool's own limit."""
        if limit is None:
            self._environment_limits.pop((function_name, version), None)
        else:
            self._environment_limits[(function_name, version)] = max(1, limit)

    def unprovision(self, function_name: str, version: str) -> None:
        """The provisioned environments of a function version become ordinary ones."""
        for config, slots in self._slots.items():
            if (config.function_name, config.version) == (function_name, version):
                for slot in slots:
                    slot.provisioned = False

    async def adopt(
        self,
        config: FunctionConfig,
        child: ChildProcess,
        credentials_expiry: datetime | None = None,
    ) -> None:
        """Take in a child spawned ahead of the event loop (see child_process) as an environment
        of `config`, so its init overlaps whatever the caller did meanwhile."""
        env = new_environment(config, self.options, child=child)
        await self._add(config, env, credentials_expiry)

    async def start_debug(
        self, config: FunctionConfig, debug: DebugSettings, child: ChildProcess | None = None
    ) -> ExecutionEnvironment:
        """A debug environment for one invocation, outside the warm pool (from a child spawned
        ahead with the same `debug`, or a new one). Returns once debugpy listens
        (`env.debug_port`); run it with `invoke_debug`."""
        if self._closed:
            raise RuntimeError("the runtime pool is closed")
        # One invocation under the debugger: on demand, even for a Managed Instances function.
        config = replace(config, managed_concurrency=None)
        creds: dict[str, str] = {}
        if self._credentials is not None and child is None:
            creds, _ = await self._credentials()
        env = ExecutionEnvironment(config, self.options, creds, child=child, debug=debug)
        self._debugging.add(env)
        try:
            await env.start()
            assert env.debugger is not None
            await env.debugger.listening()
        except BaseException:
            self._debugging.discard(env)
            await env.kill()
            raise
        return env

    async def invoke_debug(
        self, env: ExecutionEnvironment, request: InvocationRequest
    ) -> InvocationResult:
        """Invoke once (after the editor attached, if the environment waits for it), then end
        the environment: it is never reused."""
        try:
            return await env.invoke(request)
        finally:
            self._debugging.discard(env)
            await env.kill()

    async def end_debug(self, env: ExecutionEnvironment) -> None:
        """End a debug environment that ran several invocations (`env.invoke` each time)."""
        self._debugging.discard(env)
        await env.kill()

    async def retire(
        self, function_name: str | None = None, version: str | None = None, wait: bool = True
    ) -> int:
        """Retire environments (of one function, or one version of it, or all): idle ones end
        now, busy ones when their invocation ends. The next invoke starts cold on fresh state.
        With `wait=False` the idle ones leave the pool at once and end in the background (a
        save's new environment need not wait for the old one's kill); close() waits for them."""
        ending: list[ExecutionEnvironment] = []
        count = 0
        for config, slots in list(self._slots.items()):
            if function_name is not None and config.function_name != function_name:
                continue
            if version is not None and config.version != version:
                continue
            for slot in list(slots):
                count += 1
                slot.env.retired = True
                if not slot.leased:
                    self._forget(config, slot)
                    ending.append(slot.env)
        if wait:
            await _kill_all(ending)
        elif ending:
            task = asyncio.ensure_future(_kill_all(ending))
            self._ending.add(task)
            task.add_done_callback(self._ending.discard)
        return count

    def environments(self, config: FunctionConfig | None = None) -> list[ExecutionEnvironment]:
        groups = [self._slots.get(config, [])] if config else list(self._slots.values())
        return [slot.env for slots in groups for slot in slots]

    async def close(self) -> None:
        self._closed = True
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        for config, slots in list(self._slots.items()):
            for slot in list(slots):
                await self._remove(config, slot)
        for env in list(self._debugging):
            await env.kill()
        self._debugging.clear()
        if self._ending:  # retired without waiting: ended before the pool is
            await asyncio.gather(*self._ending, return_exceptions=True)

    async def __aenter__(self) -> RuntimePool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- leasing ----------------------------------------------------------------------------

    async def _acquire(self, config: FunctionConfig) -> Slot:
        if self._closed:
            raise RuntimeError("the runtime pool is closed")
        self._start_reaper()
        if self._latest.get(_version_key(config)) is not config:
            await self._retire_other_configs(config)
        # The warm path: an idle environment ready to take the event, a provisioned one first
        # (as on Lambda, on-demand environments serve only what provisioned ones can't).
        warm = None
        for slot in self._slots.get(config, ()):
            if slot.free() and slot.env.state is EnvironmentState.READY and slot.usable():
                if slot.provisioned:
                    warm = slot
                    break
                warm = warm or slot
        if warm is not None:
            warm.leases += 1
            return warm
        freed = self._freed.get(config)
        if freed is None:
            freed = self._freed[config] = asyncio.Condition()
        while True:
            slots = self._slots.setdefault(config, [])
            for slot in list(slots):
                if not slot.leased and not slot.usable():
                    await self._remove(config, slot)
            # Prefer a warm environment, then one still in init (prewarmed).
            free = [s for s in slots if s.free() and s.usable()]
            free.sort(key=lambda s: (s.env.state is not EnvironmentState.READY, not s.provisioned))
            if free:
                free[0].leases += 1
                return free[0]
            limit = self._environment_limits.get((config.function_name, config.version))
            if len(slots) < (limit or self.options.max_concurrency):
                return await self._spawn(config, leased=True)
            self._waiting[config] += 1
            try:
                async with freed:
                    await freed.wait()
            finally:
                self._waiting[config] -= 1
                if not self._waiting[config]:
                    del self._waiting[config]

    async def _release(self, config: FunctionConfig, slot: Slot) -> None:
        slot.leases -= 1
        if not slot.leased and not slot.usable():
            await self._remove(config, slot)
        freed = self._freed.get(config)
        if freed is not None and self._waiting.get(config):  # (a Counter's [] is slower)
            async with freed:
                freed.notify()

    async def _spawn(
        self, config: FunctionConfig, leased: bool = False, provisioned: bool = False
    ) -> Slot:
        creds: dict[str, str] = {}
        expires = None
        if self._credentials is not None:
            creds, expires = await self._credentials()
        env = new_environment(config, self.options, creds, provisioned=provisioned)
        return await self._add(config, env, expires, leased)

    async def _add(
        self,
        config: FunctionConfig,
        env: ExecutionEnvironment,
        expires: datetime | None,
        leased: bool = False,
    ) -> Slot:
        """Register an environment under `config` and start it."""
        slot = Slot(env, expires)
        slot.leases = int(leased)  # before any await, so a concurrent caller can't take it too
        self._slots.setdefault(config, []).append(slot)
        try:
            await env.start()
        except BaseException:
            slots = self._slots.get(config, [])
            if slot in slots:  # a kill during the start may have removed it already
                slots.remove(slot)
            raise
        return slot

    async def _remove(self, config: FunctionConfig, slot: Slot) -> None:
        self._forget(config, slot)
        await slot.env.kill()

    def _forget(self, config: FunctionConfig, slot: Slot) -> None:
        slots = self._slots.get(config, [])
        if slot in slots:
            slots.remove(slot)
        if not slots:
            self._slots.pop(config, None)

    async def _retire_other_configs(self, config: FunctionConfig) -> None:
        """A function version seen with a new config (code, env, memory...) retires the old one's
        environments, so no invocation runs stale code. The tenant is not part of what changes:
        each tenant's environments of the current config stay."""
        key = _version_key(config)
        if self._latest.get(key) == config:
            return  # the common case, checked without scanning every config
        self._latest[key] = config
        current = replace(config, tenant_id=None)
        for other in list(self._slots):
            if (other.function_name, other.version) != key[:2]:
                continue
            if replace(other, tenant_id=None) == current:
                continue  # another tenant's environments of the same config
            for slot in list(self._slots[other]):
                slot.env.retired = True
                if not slot.leased:
                    await self._remove(other, slot)

    # --- reaping ----------------------------------------------------------------------------

    def _start_reaper(self) -> None:
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.create_task(self._reap_forever())

    async def _reap_forever(self) -> None:
        interval = max(0.05, min(30.0, self.options.idle_timeout / 2))
        while not self._closed:  # also ends it should a cancel from close() ever be lost
            await asyncio.sleep(interval)
            try:
                await self.reap_idle()
            except Exception:
                log.exception("reaping idle environments failed")

    async def reap_idle(self) -> int:
        """End environments idle for longer than the idle timeout, and dead or retired ones."""
        now = time.monotonic()
        count = 0
        for config, slots in list(self._slots.items()):
            for slot in list(slots):
                if slot.leased:
                    continue
                idle = not slot.provisioned and now - slot.env.last_used > self.options.idle_timeout
                if idle or not slot.usable():
                    count += 1
                    await self._remove(config, slot)
        return count


async def _kill_all(envs: list[ExecutionEnvironment]) -> None:
    for env in envs:
        await env.kill()


def _version_key(config: FunctionConfig) -> tuple[str, str, str | None]:
    return (config.function_name, config.version, config.tenant_id)
