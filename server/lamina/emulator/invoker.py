"""The bridge from the API to Lamina's runtime pool.

It picks the version an invocation runs (an alias's weighted routing included), turns stored
versions into the pool's FunctionConfig (cached), enforces reserved concurrency (the pool queues
beyond its limit; Lambda throttles instead), and keeps environments in step with the store: when
a function's code or configuration changes, the old environments are retired at once, and if the
function was warm a new environment starts right away, so the next invoke meets the new code
without waiting for a cold start it could have overlapped (save-to-live).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Protocol

from lamina.emulator.capacity_providers import environment_concurrency
from lamina.emulator.errors import LambdaError, conflict, throttled
from lamina.emulator.function_logs import logging_environment
from lamina.emulator.function_python import FunctionPython
from lamina.emulator.lookup import find_function, version_by_number, version_config
from lamina.emulator.model import LATEST, FunctionState, VersionConfig
from lamina.emulator.names import Arns
from lamina.emulator.store import FunctionStore
from lamina.runtime.config import FunctionConfig
from lamina.runtime.environment import EnvironmentState
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.opt_dir import OptDir, opt_sys_path
from lamina.runtime.pool import RuntimePool

log = logging.getLogger(__name__)

THROTTLE_REASON = "ReservedFunctionConcurrentInvocationLimitExceeded"
MAX_FOUND = 4096  # find_target's memory, forgotten at once when full


class Debugger(Protocol):
    """`lamina serve --debug FUNCTION`: runs that function's invocations under debugpy."""

    function: str

    async def invoke(
        self, config: VersionConfig, runtime: FunctionConfig, request: InvocationRequest
    ) -> InvocationResult: ...


@dataclass(frozen=True)
class Target:
    """What one invocation runs: a function's version, and the ARN the caller used."""

    state: FunctionState
    config: VersionConfig
    invoked_arn: str


class Invoker:
    def __init__(self, store: FunctionStore, pool: RuntimePool, arns: Arns) -> None:
        self.store = store
        self.pool = pool
        self.arns = arns
        self._configs: dict[tuple[str, str], tuple[VersionConfig, FunctionConfig]] = {}
        # Per (FunctionName, Qualifier) as an invoke gives them: what find_target found.
        self._found: dict[tuple[str, str | None], tuple[FunctionState, str | None, Target]] = {}
        # Per (function, version, tenant): (the untenanted config, that tenant's copy of it).
        self._tenants: dict[tuple[str, str, str], tuple[FunctionConfig, FunctionConfig]] = {}
        self._inflight: Counter[str] = Counter()  # per function name
        self._busy_code: Counter[str] = Counter()  # per code key
        self._tasks: set[asyncio.Task[None]] = set()
        self._update_timers: dict[str, asyncio.TimerHandle] = {}
        self.debugger: Debugger | None = None
        # A stored version's layers merged into one /opt (function_layers.py), when set.
        self.opt_for: Callable[[VersionConfig], OptDir | None] | None = None
        # Fetches what `opt_for` needs before a version's first invoke (other accounts' layers).
        self.prepare_layers: Callable[[VersionConfig], Awaitable[None]] | None = None
        self.python = FunctionPython()  # each function on its Runtime's interpreter
        store.add_listener(self._on_change)
        store.busy_code_keys = lambda: list(self._busy_code)

    # --- picking the version --------------------------------------------------------------------

    def target(self, state: FunctionState, qualifier: str | None) -> Target:
        config = version_config(state, self.arns, qualifier)
        if qualifier is not None and qualifier != LATEST and not qualifier.isdigit():
            config = self._route(state, qualifier, config)
        if state.previous_latest is not None and config is state.latest:
            config = state.running_latest(time.time())
        return Target(state, config, self.arns.function(state.name, qualifier))

    def find_target(
        self, raw_name: str, qualifier: str | None
    ) -> tuple[FunctionState, str | None, Target]:
        """Invoke's find_function (404 naming $LATEST when unqualified) and `target`,
        remembered per (FunctionName, Qualifier) while the function's state is the same one
        (the store swaps whole states); an alias with weights picks each time."""
        key = (raw_name, qualifier)
        found = self._found.get(key)
        if found is not None and self.store.get(found[0].name) is found[0]:
            return found
        state, resolved = find_function(
            self.store, self.arns, raw_name, qualifier, missing_qualifier=LATEST
        )
        target = self.target(state, resolved)
        alias = state.aliases.get(resolved) if resolved is not None else None
        if state.previous_latest is None and (alias is None or not alias.weights):
            if len(self._found) >= MAX_FOUND:
                self._found.clear()
            self._found[key] = (state, resolved, target)
        return state, resolved, target

    def _route(
        self, state: FunctionState, alias_name: str, primary: VersionConfig
    ) -> VersionConfig:
        """An alias's weighted routing: each additional version gets its weight's share."""
        alias = state.aliases[alias_name]
        if not alias.weights:
            return primary
        draw = random.random()
        for version, weight in alias.weights:
            if draw < weight:
                chosen = version_by_number(state, version)
                return primary if chosen is None else chosen
            draw -= weight
        return primary

    def runtime_config(self, config: VersionConfig) -> FunctionConfig:
        """The pool's FunctionConfig for a stored version (the same object while it is current:
        the pool keys environments on it)."""
        cache_key = (config.function_name, config.version)
        cached = self._configs.get(cache_key)
        if cached is not None and cached[0] is config:
            return cached[1]
        opt = self.opt_for(config) if self.opt_for is not None else None
        runtime = FunctionConfig(
            function_name=config.function_name,
            handler=config.handler,
            code_dir=self.store.unpacked_dir(config.code_key),
            runtime=config.runtime,
            timeout=float(config.timeout),
            memory_size=config.memory_size,
            environment=config.environment + logging_environment(config),
            version=config.version,
            region=self.arns.region,
            account=self.arns.account,
            opt=opt,
            layer_paths=opt_sys_path(opt, config.runtime.removeprefix("python")) if opt else (),
            # Extensions (/opt/extensions) and exec wrappers are found in the merged view.
            opt_roots=(opt.path,) if opt else (),
            python=self.python.for_runtime(config.function_name, config.runtime),
            managed_concurrency=environment_concurrency(
                config.echoed_dict().get("CapacityProviderConfig"), config.memory_size
            ),
        )
        self._configs[cache_key] = (config, runtime)
        return runtime

    def _tenant_config(self, runtime: FunctionConfig, tenant_id: str) -> FunctionConfig:
        """The config one tenant's environments run (the same object while it is current, as
        the pool's fast path wants); the pool keys environments on it, so tenants never share."""
        key = (runtime.function_name, runtime.version, tenant_id)
        cached = self._tenants.get(key)
        if cached is not None and cached[0] is runtime:
            return cached[1]
        tenanted = replace(runtime, tenant_id=tenant_id)
        self._tenants[key] = (runtime, tenanted)
        return tenanted

    # --- invoking -------------------------------------------------------------------------------

    def check_invocable(self, target: Target, now: float) -> None:
        if now < target.config.ready_at:
            raise conflict(
                "The operation cannot be performed at this time. "
                "The function is currently in the following state: Pending"
            )

    def admit(self, state: FunctionState) -> None:
        """Refuse an invocation beyond the function's reserved concurrency (429)."""
        reserved = state.reserved_concurrency
        debugger = self.debugger
        if debugger is not None and debugger.function == state.name:
            reserved = 1 if reserved is None else min(reserved, 1)  # one debug environment
        if reserved is not None and self._inflight[state.name] >= reserved:
            raise throttled(THROTTLE_REASON)

    async def invoke(self, target: Target, request: InvocationRequest) -> InvocationResult:
        """Run one invocation (after `admit`, with no await between the two)."""
        name = target.state.name
        key = target.config.code_key
        self._inflight[name] += 1
        self._busy_code[key] += 1
        debugger = self.debugger
        try:
            cached = self._configs.get((name, target.config.version))
            if cached is not None and cached[0] is target.config:
                runtime = cached[1]
            else:
                if self.prepare_layers is not None:
                    await self.prepare_layers(target.config)
                runtime = self.runtime_config(target.config)
            if request.tenant_id is not None:
                runtime = self._tenant_config(runtime, request.tenant_id)
            if debugger is not None and debugger.function == name:
                return await debugger.invoke(target.config, runtime, request)
            return await self.pool.invoke(runtime, request)
        except LambdaError:
            raise
        except Exception as e:
            log.exception("invoking %s failed", name)
            raise LambdaError(
                "ServiceException", f"lamina serve could not run the function: {e}"
            ) from None
        finally:
            _decrement(self._inflight, name)
            _decrement(self._busy_code, key)

    def inflight(self, name: str) -> int:
        return self._inflight[name]

    # --- keeping environments in step with the store --------------------------------------------

    def _on_change(self, name: str, state: FunctionState | None) -> None:
        """A function changed: its versions' environments that now run stale code or settings
        are replaced. Warm ones get a successor at once (its init overlaps the caller's next
        request); the pool retires the old ones as it starts it."""
        gone: list[str] = []
        fresh: list[FunctionConfig] = []
        now = time.time()
        for (fn, version), (stored, runtime) in list(self._configs.items()):
            if fn != name:
                continue
            current = None if state is None else version_by_number(state, version)
            if state is not None and version == LATEST:
                current = state.running_latest(now)
            if current is stored:
                continue
            del self._configs[(fn, version)]
            for key in [key for key in self._tenants if key[:2] == (fn, version)]:
                del self._tenants[key]
            warm = any(
                env.state is not EnvironmentState.DEAD for env in self.pool.environments(runtime)
            )
            if current is None:
                gone.append(version)
            elif warm:
                fresh.append(self.runtime_config(current))
        if gone or fresh:
            self._spawn(self._refresh(name, gone, fresh))
        self._watch_update(name, state, now)

    def _watch_update(self, name: str, state: FunctionState | None, now: float) -> None:
        """While an update is in progress (--update-delay) invokes run the old $LATEST; when it
        completes, its environments are replaced as for an immediate update."""
        timer = self._update_timers.pop(name, None)
        if timer is not None:
            timer.cancel()
        if state is None or state.previous_latest is None:
            return
        remaining = state.latest.update_done_at - now
        if remaining > 0:
            self._update_timers[name] = asyncio.get_running_loop().call_later(
                remaining + 0.001, self._update_completed, name
            )

    def _update_completed(self, name: str) -> None:
        self._update_timers.pop(name, None)
        self._on_change(name, self.store.get(name))

    async def _refresh(self, name: str, gone: list[str], fresh: list[FunctionConfig]) -> None:
        for version in gone:
            await self.pool.retire(name, version, wait=False)  # they end as the new ones start
        for runtime in fresh:
            await self.pool.prewarm(runtime)

    def _spawn(self, coro: object) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("refreshing environments failed", exc_info=task.exception())

    async def close(self) -> None:
        for timer in self._update_timers.values():
            timer.cancel()
        self._update_timers.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _decrement(counter: Counter[str], key: str) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
