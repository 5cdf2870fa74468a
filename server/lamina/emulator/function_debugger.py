"""`lamina serve --debug FUNCTION[:PORT]`: that function's invocations run under debugpy, as with
`sam local start-lambda -d`.

Each invocation gets a fresh debug environment on the one fixed port (the invoker holds the
function at a concurrency of 1), which waits for the editor to attach, runs the event with the
function's timeout suspended while a client is attached, and ends. Invocations from boto3, the
AWS CLI, the async queue and event source mappings all take this path.

The code runs from a stable copy of the function's current code, `<data dir>/debug/<function>`,
refreshed when the code changes, so one attach configuration keeps working across deploys. Its
`pathMappings` map that copy to the function's source dir when the function carries the tag
`lamina:source` (set by `--deploy-samples` and by clients that deploy from a source tree);
otherwise they map it to itself, and breakpoints go on the copy's files.

A durable function's invocations of one execution (the first and every replay after a wait, a
retry or a callback) all run in one debug environment, as `lamina.debug` does in the editor:
the editor attaches once, and a breakpoint after a one-day wait is hit in the replay, in the
same session. The environment ends when the execution's invocation answers SUCCEEDED or
FAILED, when an invocation crashes, or when another execution of the function starts (one
port, one session at a time).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import shutil
import uuid
from pathlib import Path
from typing import Any

from lamina.emulator.code_store import TEMP_PREFIX
from lamina.emulator.invocation_log import InvocationLog
from lamina.emulator.model import VersionConfig
from lamina.emulator.store import FunctionStore
from lamina.runtime.config import FunctionConfig
from lamina.runtime.debug import DebugSettings, attach_configuration
from lamina.runtime.environment import ExecutionEnvironment
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.pool import RuntimePool

log = logging.getLogger("lamina.emulator.debug")

SOURCE_TAG = "lamina:source"


class FunctionDebugger:
    def __init__(
        self,
        function: str,
        port: int,
        store: FunctionStore,
        pool: RuntimePool,
        invocation_log: InvocationLog,
    ) -> None:
        self.function = function
        self.port = port
        self.store = store
        self.pool = pool
        self.invocation_log = invocation_log
        self.root = store.data_dir / "debug"
        self.session_id = f"serve-{uuid.uuid4().hex[:8]}"
        # A durable execution's debug environment: (execution ARN, code key, environment).
        self._durable: tuple[str, str, ExecutionEnvironment] | None = None

    @property
    def code_dir(self) -> Path:
        return self.root / self.function

    def source_dir(self) -> Path | None:
        state = self.store.get(self.function)
        source = state.tags.get(SOURCE_TAG) if state is not None else None
        return Path(source) if source else None

    def attach_configuration(self) -> dict[str, Any]:
        remote = str(self.code_dir)
        local = str(self.source_dir() or self.code_dir)
        return attach_configuration(
            self.port,
            self.function,
            self.session_id,
            name=f"Lamina: attach to {self.function} (lamina serve)",
            path_mappings=[{"localRoot": local, "remoteRoot": remote}],
        )

    def banner_lines(self) -> list[str]:
        state = self.store.get(self.function)
        lines = [
            f"Debugging {self.function}: its invocations wait for a debugger on "
            f"127.0.0.1:{self.port} (one at a time). Attach configuration:",
            "  " + json.dumps(self.attach_configuration()),
        ]
        if state is None:
            lines.append(f"  ({self.function} is not deployed yet)")
        elif self.source_dir() is None:
            lines.append(
                f"  (no {SOURCE_TAG} tag on {self.function}: set breakpoints in {self.code_dir})"
            )
        return lines

    async def invoke(
        self, config: VersionConfig, runtime: FunctionConfig, request: InvocationRequest
    ) -> InvocationResult:
        execution = durable_execution_arn(request.payload)
        if execution is not None:
            return await self._invoke_durable(execution, config, runtime, request)
        await self.end_durable_session()
        env = await self._start(config, runtime, request)
        return await self.pool.invoke_debug(env, request)

    async def _start(
        self, config: VersionConfig, runtime: FunctionConfig, request: InvocationRequest
    ) -> ExecutionEnvironment:
        code_dir = await asyncio.to_thread(self._stage_code, runtime.code_dir, config.code_key)
        debug_config = dataclasses.replace(runtime, code_dir=code_dir)
        settings = DebugSettings(port=self.port, wait_for_client=True, suspend_timeout=True)
        env = await self.pool.start_debug(debug_config, settings)
        self.invocation_log.line(
            f"debug {self.function}: request {request.request_id} waits for a debugger on "
            f"127.0.0.1:{env.debug_port}; attach with {json.dumps(self.attach_configuration())}"
        )
        self.invocation_log.flush()
        return env

    async def _invoke_durable(
        self,
        execution: str,
        config: VersionConfig,
        runtime: FunctionConfig,
        request: InvocationRequest,
    ) -> InvocationResult:
        session = self._durable
        if session is not None and session != (execution, config.code_key, session[2]):
            await self.end_durable_session()  # another execution, or the code changed
            session = None
        if session is None:
            env = await self._start(config, runtime, request)
            session = self._durable = (execution, config.code_key, env)
            self.invocation_log.line(
                f"debug {self.function}: every invocation of {execution} runs in this session"
            )
        else:
            self.invocation_log.line(
                f"debug {self.function}: request {request.request_id} replays {execution} "
                "in the attached session"
            )
        try:
            result = await session[2].invoke(request)
        except BaseException:
            await self.end_durable_session()
            raise
        if not result.ok or durable_status(result.payload) in ("SUCCEEDED", "FAILED"):
            await self.end_durable_session()
        return result

    async def end_durable_session(self) -> None:
        session, self._durable = self._durable, None
        if session is not None:
            await self.pool.end_debug(session[2])

    def _stage_code(self, unpacked: Path, code_key: str) -> Path:
        """Copy the function's code to its stable debug dir, unless it is there already."""
        target = self.code_dir
        marker = self.root / f"{self.function}.code"
        if target.is_dir() and marker.is_file() and marker.read_text() == code_key:
            return target
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        try:
            shutil.copytree(unpacked, staging, symlinks=True)
            marker.unlink(missing_ok=True)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
            marker.write_text(code_key)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return target


def durable_execution_arn(payload: bytes) -> str | None:
    """The execution a durable invocation's input names (its `DurableExecutionArn`), if it is
    one: checked on the bytes first, so a plain event is not parsed."""
    if b'"DurableExecutionArn"' not in payload or b'"CheckpointToken"' not in payload:
        return None
    try:
        value = json.loads(payload).get("DurableExecutionArn")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def durable_status(payload: bytes) -> str | None:
    """A durable invocation's output Status (SUCCEEDED, FAILED or PENDING)."""
    try:
        value = json.loads(payload).get("Status")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None
