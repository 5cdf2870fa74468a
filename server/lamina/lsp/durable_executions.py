"""The workspace's durable executions in the language server: the ones the editor started or
took over, as last seen, and the store they run in.

- The execution's service is the core's (durable/local_api.py) with its own store in
  `.lamina/state/durable-editor/` (not `lamina invoke`'s: two processes must not share one),
  time skipped when `durable.skipTime` is set; it is opened on first use.
- Each invocation of an execution runs in that execution's lane: a plain run, or one debug
  environment for the whole execution (`DebugLane`), so the first run and each replay after a
  wait or a callback reach the same debugpy. The functions a debugged execution invokes run
  under debugpy too (durable_target_debug.py).
- How an execution's progress reaches the editor is durable_progress.py's; the commands that
  start one, durable_runs.py's.
"""

from __future__ import annotations

import asyncio
import json
import uuid
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from lsprotocol import types

from lamina.lsp.durable_followed import LIVE, FollowedExecution, Invoke
from lamina.lsp.durable_progress import report_progress
from lamina.lsp.durable_target_debug import Debugged
from lamina.lsp.durable_targets import run_project_function, target_finder
from lamina.lsp.errors import UserError
from lamina.lsp.invocation_result import invocation_result
from lamina.lsp.run_command import INVOCATION_RESULT, RunRequest
from lamina.lsp.server import LaminaServer

if TYPE_CHECKING:
    from lamina.durable.function_runner import FunctionOutcome
    from lamina.durable.local_api import LocalDurableApi
    from lamina.runtime.config import FunctionConfig
    from lamina.runtime.environment import ExecutionEnvironment
    from lamina.runtime.invocation import InvocationResult

STORE = "durable-editor"
KEPT_ENDED = 50  # ended executions lamina.durableExecutions still lists

# Run once the store is open, under the lock that starts hold (durable_resume.py registers one).
OPENED: list[Callable[[EditorDurable, LocalDurableApi], Awaitable[object]]] = []


class EditorDurable:
    """The workspace's durable executions (one per language server)."""

    def __init__(self, ls: LaminaServer) -> None:
        self.ls = ls
        self.api: LocalDurableApi | None = None
        self._skip_time = False
        self._lock = asyncio.Lock()
        self.by_name: dict[str, FollowedExecution] = {}  # execution name -> execution
        self._told_outside: set[str] = set()  # targets said to run outside the debugger

    def followed(self) -> list[FollowedExecution]:
        return list(self.by_name.values())

    async def open(self, region: str) -> LocalDurableApi:
        """The service (opened on first use, again when durable.skipTime changed while no
        execution runs)."""
        from lamina.durable.availability import missing_reason

        reason = missing_reason()
        if reason is not None:
            raise UserError(reason)
        skip_time = bool(self.ls.settings.get("durable.skipTime"))
        async with self._lock:
            running = any(f.status in LIVE for f in self.followed())
            if self.api is not None and skip_time != self._skip_time and not running:
                await self.api.close()
                self.api = None
            if self.api is None:
                from lamina.durable.local_api import LocalDurableApi
                from lamina.project.workspace import state_dir

                data_dir = state_dir(self.ls.state.root) / STORE
                api = LocalDurableApi(
                    data_dir,
                    self._run,
                    skip_time=skip_time,
                    region=region,
                    find_target=target_finder(self.ls),
                )
                await api.open()
                self.api, self._skip_time = api, skip_time
                for opened in OPENED:  # before any start: what the store holds still running
                    await opened(self, api)
            return self.api

    async def _run(self, function_name: str, body: bytes) -> FunctionOutcome:
        """One invocation for the executor: in the lane of the execution it belongs to."""
        from lamina.durable.function_runner import FunctionNotFound, FunctionOutcome

        followed = self.by_name.get(_execution_name(_arn_of(body)))
        if followed is None:  # a chained invoke's target, or a child execution's invocation
            if self.api is None:
                raise FunctionNotFound(function_name)
            debugged = self._debugged()
            debug = None if debugged is None else Debugged(debugged, self._say_outside)
            endpoint = self.api.endpoint
            return await run_project_function(self.ls, function_name, body, endpoint, debug)
        result = await followed.invoke(body)
        spec = followed.request.spec
        outcome = invocation_result(
            result, spec.logical_id, followed.request.event, [spec.code_dir]
        )
        self.ls.log_to_client(result.logs.rstrip("\n") or f"(no logs from {spec.logical_id})")
        self.ls.protocol.notify(INVOCATION_RESULT, outcome)
        error_type = None if result.ok else str((result.error or {}).get("errorType", "Unknown"))
        return FunctionOutcome(result.payload, result.request_id, error_type)

    def _debugged(self) -> str | None:
        """The function of a live execution the editor debugs (its chained invokes' targets
        are debugged too), if any."""
        for f in self.followed():
            if isinstance(f.invoke, DebugLane) and f.status in LIVE:
                return f.function
        return None

    def _say_outside(self, target: str, reason: str) -> None:
        """Once per target: a target of a debugged execution whose debugger did not start."""
        if target in self._told_outside:
            return
        self._told_outside.add(target)
        self.ls.show(
            f"Lamina: {target}, invoked from the debugged execution of {self._debugged()}, "
            f"runs outside the debugger: {reason}",
            types.MessageType.Warning,
        )

    async def start(
        self, request: RunRequest, config: FunctionConfig, invoke: Invoke
    ) -> FollowedExecution:
        from lamina.durable.service import DEFAULT_EXECUTION_TIMEOUT, StartRequest

        api = await self.open(config.region)
        name = str(uuid.uuid4())
        followed = self.by_name[name] = FollowedExecution(request, invoke)
        durable_config = request.spec.durable_config or {}
        start = StartRequest(
            function_name=config.function_name,
            input=request.payload.decode(),
            execution_name=name,
            execution_timeout=int(
                durable_config.get("ExecutionTimeout") or DEFAULT_EXECUTION_TIMEOUT
            ),
        )
        try:
            followed.arn = await api.start(start)
        except Exception:
            self.by_name.pop(name, None)
            raise
        self.ls.tasks.spawn(self._follow(api, followed), f"durable execution {followed.arn}")
        return followed

    def follows(self, arn: str) -> bool:
        return _execution_name(arn) in self.by_name

    def adopt(
        self, api: LocalDurableApi, request: RunRequest, invoke: Invoke, arn: str
    ) -> FollowedExecution:
        """Follow an execution of the store that this session did not start (one a previous
        language server left running); the caller then resumes it in the service."""
        followed = FollowedExecution(request, invoke, arn=arn)
        self.by_name[_execution_name(arn)] = followed
        self.ls.tasks.spawn(self._follow(api, followed), f"durable execution {arn}")
        return followed

    async def _follow(self, api: LocalDurableApi, followed: FollowedExecution) -> None:
        await report_progress(self.ls, api, followed)
        await self._end(followed)
        self._forget_old()

    def _forget_old(self) -> None:
        ended = [name for name, f in self.by_name.items() if f.status not in LIVE]
        for name in ended[: max(len(ended) - KEPT_ENDED, 0)]:
            del self.by_name[name]

    async def _end(self, followed: FollowedExecution) -> None:
        ending = getattr(followed.invoke, "end", None)
        if ending is not None:
            await ending()


def _arn_of(body: bytes) -> str:
    """The DurableExecutionArn of a durable invocation's input ("" for any other payload)."""
    try:
        document = json.loads(body)
    except ValueError:
        return ""
    return str(document.get("DurableExecutionArn", "")) if isinstance(document, dict) else ""


def _execution_name(arn: str) -> str:
    """arn:...:function:NAME:VERSION/durable-execution/EXECUTION_NAME/ID -> EXECUTION_NAME."""
    return arn.partition("/durable-execution/")[2].split("/", 1)[0]


_workspaces: weakref.WeakKeyDictionary[LaminaServer, EditorDurable] = weakref.WeakKeyDictionary()


def durable_of(ls: LaminaServer) -> EditorDurable:
    found = _workspaces.get(ls)
    if found is None:
        found = _workspaces[ls] = EditorDurable(ls)
    return found


class DebugLane:
    """Every invocation of one execution in one debug environment, then its end."""

    def __init__(self, ls: LaminaServer, env: ExecutionEnvironment) -> None:
        self.ls = ls
        self.env = env

    async def __call__(self, body: bytes) -> InvocationResult:
        from lamina.runtime.invocation import InvocationRequest

        return await self.env.invoke(InvocationRequest(payload=body))

    async def end(self) -> None:
        await self.ls.state.runner.end_debug(self.env)
