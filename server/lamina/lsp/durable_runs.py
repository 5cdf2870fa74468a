"""Durable functions in the editor: `lamina.run` and `lamina.debug` on a function with a
DurableConfig run its whole execution, as `lamina invoke` does, inside the language server.

- The execution's service is the core's (durable/local_api.py) with its own store in
  `.lamina/state/durable-editor/` (not `lamina invoke`'s: two processes must not share one),
  time skipped when `durable.skipTime` is set.
- Progress as it happens: each history event is a line in the output (window/logMessage), a
  `$/progress` report, and a `lamina/durableEvent` notification `{executionArn, function,
  event, text}`; each invocation's result is a `lamina/invocationResult` as for a plain run;
  the end is a `lamina/durableExecution` notification `{executionArn, function, status,
  result?, error?}` and one message.
- `lamina.run` answers once the execution has ended, or once nothing happens until someone
  sends a callback (or a timer more than 15 minutes away ends): then with status RUNNING and
  its pending callbacks, while the execution goes on in the background (durable_callbacks.py
  offers "Send callback").
- `lamina.debug` starts one debug environment and runs every invocation of the execution in
  it: the first run and each replay after a wait or a callback reach the same debugpy, so a
  breakpoint after a wait is hit without attaching again. The environment ends with the
  execution. The functions it invokes run under debugpy too (durable_target_debug.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from lamina.lsp.code_lenses import refresh_lenses
from lamina.lsp.debug_command import DEBUG_READY, debug_settings
from lamina.lsp.durable_target_debug import Debugged
from lamina.lsp.durable_targets import run_project_function, target_finder, with_endpoint
from lamina.lsp.errors import UserError
from lamina.lsp.invocation_result import invocation_result
from lamina.lsp.progress import Progress
from lamina.lsp.run_command import INVOCATION_RESULT, RunRequest, command_work, config_for
from lamina.lsp.server import LaminaServer

if TYPE_CHECKING:
    from lamina.durable.function_runner import FunctionOutcome
    from lamina.durable.local_api import ExecutionState, LocalDurableApi, PendingCallback
    from lamina.runtime.config import FunctionConfig
    from lamina.runtime.environment import ExecutionEnvironment
    from lamina.runtime.invocation import InvocationResult

log = logging.getLogger(__name__)
DURABLE_EVENT = "lamina/durableEvent"
DURABLE_EXECUTION = "lamina/durableExecution"
POLL_S = 0.2
STORE = "durable-editor"
KEPT_ENDED = 50  # ended executions lamina.durableExecutions still lists

Invoke = Callable[[bytes], Awaitable["InvocationResult"]]
# Run once the store is open, under the lock that starts hold (durable_resume.py registers one).
OPENED: list[Callable[[EditorDurable, LocalDurableApi], Awaitable[object]]] = []
_LIVE = ("RUNNING", "PAUSING", "PAUSED")


@dataclass
class FollowedExecution:
    """An execution the editor started, as last seen."""

    request: RunRequest
    invoke: Invoke
    arn: str = ""
    status: str = "RUNNING"
    callbacks: list[PendingCallback] = field(default_factory=list)
    wakes_at: str | None = None
    history: list[str] = field(default_factory=list)
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    last: ExecutionState | None = None

    @property
    def function(self) -> str:
        return self.request.spec.logical_id

    def summary(self) -> dict[str, Any]:
        last = self.last
        return {
            "function": self.function,
            "executionArn": self.arn,
            "status": self.status,
            "result": None if last is None or last.result is None else _json(last.result),
            "error": None if last is None else last.error,
            "pendingCallbacks": [c.to_json() for c in self.callbacks],
            "wakesAt": self.wakes_at,
            "history": list(self.history),
        }


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


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
            running = any(f.status in _LIVE for f in self.followed())
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
            if isinstance(f.invoke, _DebugLane) and f.status in _LIVE:
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
        from lamina.durable.history_text import describe_event

        ls = self.ls
        progress = Progress(ls, f"Durable execution of {followed.function}")
        await progress.begin("started")
        started: dict[str, float] = {}
        seen = 0
        try:
            while True:
                await api.service.wait(followed.arn, POLL_S)
                state = await api.state(followed.arn, seen)
                seen += len(state.new_events)
                for event in state.new_events:
                    text = describe_event(event, _note_start(event, started))
                    followed.history.append(text)
                    ls.log_to_client(f"{followed.function}: {text.strip()}")
                    if progress.token is not None:
                        progress.report(text.strip())
                    ls.protocol.notify(
                        DURABLE_EVENT,
                        {
                            "executionArn": followed.arn,
                            "function": followed.function,
                            "event": json.loads(json.dumps(event, default=str)),
                            "text": text.strip(),
                        },
                    )
                changed = (state.status, state.callbacks) != (followed.status, followed.callbacks)
                followed.last = state
                followed.status = state.status
                followed.callbacks = state.callbacks
                followed.wakes_at = None if state.wakes_at is None else state.wakes_at.isoformat()
                if changed:
                    refresh_lenses(ls)
                if state.ended:
                    break
                if state.waiting_outside():
                    followed.settled.set()
        except Exception as e:  # the service went away (shutdown) or failed: say so once
            log.info("following %s ended: %s", followed.arn, e)
            followed.status = followed.status if followed.status != "RUNNING" else "UNKNOWN"
        finally:
            progress.end(followed.status)
            followed.settled.set()
        ended = followed.summary()
        ended.pop("history")
        ls.protocol.notify(DURABLE_EXECUTION, ended)
        ok = followed.status == "SUCCEEDED"
        ls.show(
            f"{followed.function}: durable execution {followed.status.lower()}",
            types.MessageType.Info if ok else types.MessageType.Error,
        )
        await self._end(followed)
        self._forget_old()

    def _forget_old(self) -> None:
        ended = [name for name, f in self.by_name.items() if f.status not in _LIVE]
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


def _note_start(event: dict[str, Any], started: dict[str, float]) -> dict[str, float]:
    when = event.get("EventTimestamp")
    op = event.get("Id")
    if str(event.get("EventType", "")).endswith("Started") and isinstance(op, str):
        stamp = getattr(when, "timestamp", None)
        if stamp is not None:
            started[op] = stamp()
    return started


_workspaces: weakref.WeakKeyDictionary[LaminaServer, EditorDurable] = weakref.WeakKeyDictionary()


def durable_of(ls: LaminaServer) -> EditorDurable:
    found = _workspaces.get(ls)
    if found is None:
        found = _workspaces[ls] = EditorDurable(ls)
    return found


async def run_durable(ls: LaminaServer, request: RunRequest) -> dict[str, Any]:
    """`lamina.run` on a durable function: the execution until it ends or waits on the world."""
    durable = durable_of(ls)
    name = request.spec.logical_id
    async with command_work(ls, f"Running {name}", f"Run of {name}"):
        config = await config_for(ls, request)
        api = await durable.open(config.region)
        config = with_endpoint(config, api.endpoint)
        runner = ls.state.runner
        spec = request.spec

        async def invoke(body: bytes) -> InvocationResult:
            return await runner.invoke(spec, config, body)

        followed = await durable.start(request, config, invoke)
        ls.log_to_client(
            f"Lamina: {name} is a durable function; execution {followed.arn}; its "
            f"AWS_ENDPOINT_URL_LAMBDA (any Lambda client it makes) is Lamina's, {api.endpoint}"
        )
        await followed.settled.wait()
    return followed.summary()


class _DebugLane:
    """Every invocation of one execution in one debug environment, then its end."""

    def __init__(self, ls: LaminaServer, env: ExecutionEnvironment) -> None:
        self.ls = ls
        self.env = env

    async def __call__(self, body: bytes) -> InvocationResult:
        from lamina.runtime.invocation import InvocationRequest

        return await self.env.invoke(InvocationRequest(payload=body))

    async def end(self) -> None:
        await self.ls.state.runner.end_debug(self.env)


async def debug_durable(ls: LaminaServer, request: RunRequest) -> dict[str, Any]:
    """`lamina.debug` on a durable function: one debugpy for the whole execution."""
    from lamina.runtime.debug import attach_configuration

    durable = durable_of(ls)
    spec = request.spec
    name = spec.logical_id
    debug = debug_settings(ls)
    async with command_work(ls, f"Debugging {name}", f"Debugging {name}"):
        config = await config_for(ls, request)
        api = await durable.open(config.region)
        config = with_endpoint(config, api.endpoint)
        env = await ls.state.runner.start_debug(config, debug)
    lane = _DebugLane(ls, env)
    try:
        followed = await durable.start(request, config, lane)
    except BaseException:
        await lane.end()
        raise
    attach = attach_configuration(env.debug_port or 0, name, followed.arn)
    ls.protocol.notify(DEBUG_READY, attach)
    ls.log_to_client(
        f"Lamina: debugpy for durable {name} listens on 127.0.0.1:{env.debug_port}; every "
        f"invocation of execution {followed.arn} runs in it"
    )
    return attach


def register(server: LaminaServer) -> None:
    from lamina.lsp import debug_command, run_command

    run_command.DURABLE_RUN.append(run_durable)
    debug_command.DURABLE_DEBUG.append(debug_durable)
