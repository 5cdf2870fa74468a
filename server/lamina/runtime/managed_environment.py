"""A Lambda Managed Instances execution environment: one environment, several invocations at once.

What the Managed Instances docs say, and what this plays (docs/emulator.md, "Lambda Managed
Instances"):
- The runtime hears `AWS_LAMBDA_MAX_CONCURRENCY` (the function's
  PerExecutionEnvironmentMaxConcurrency) and `AWS_LAMBDA_INITIALIZATION_TYPE=
  lambda-managed-instances`; Python's runtime runs that many worker processes, each with its own
  init, sharing the environment's /tmp.
- Init is over once the first worker waits in `/next` (multi_api_server.py); it may take the
  larger of 130 s and the function's timeout.
- No freeze between invocations: the environment runs continuously.
- The timeout is per invocation: the caller gets the timeout error, the other invocations and the
  environment go on (Lambda doesn't stop the handler; its late result is refused).
- The memory limit is the environment's: all its workers together (their RSS summed); going over
  fails every invocation in flight and ends the environment, as on-demand.
The output of the environment is one stream: an invocation's log holds what was written since the
last invocation ended (the workers' logging lines carry their own request id, as awslambdaric's).
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import replace
from typing import Any

from lamina.runtime import process_memory, process_tree, sandbox_errors
from lamina.runtime.child_process import ChildProcess
from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.deadline import Deadline
from lamina.runtime.environment import EnvironmentGone, EnvironmentState, ExecutionEnvironment
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.invocation_answer import InvocationAnswer
from lamina.runtime.invocation_messages import Outcome, api_error
from lamina.runtime.log_lines import start_line
from lamina.runtime.multi_api_server import MultiRuntimeApiServer

_MB = 1024 * 1024
_INVALID_REQUEST_ID = 400, api_error("InvalidRequestID", "Invalid request ID")
MEMORY_POLL_S = 0.05
MANAGED_INIT_TIMEOUT_S = 130.0


class ManagedEnvironment(ExecutionEnvironment):
    """Serves up to `config.managed_concurrency` invocations at once (`capacity`)."""

    _api_server = MultiRuntimeApiServer

    def __init__(
        self,
        config: FunctionConfig,
        options: RuntimeOptions,
        credentials_env: dict[str, str] | None = None,
        kept: bool = False,
        child: ChildProcess | None = None,
    ) -> None:
        """`kept`: one of the function's MinExecutionEnvironments, started ahead (the pool keeps
        it as a provisioned one: never reaped for being idle, no Init Duration reported)."""
        # Init may take the larger of 130 s and the function's timeout (AWS's Managed Instances
        # execution environment page), not on-demand's 10 s.
        options = replace(options, init_timeout=max(MANAGED_INIT_TIMEOUT_S, config.timeout))
        super().__init__(
            config, options, credentials_env, freeze=False, child=child, provisioned=kept
        )
        self.capacity = max(1, config.managed_concurrency or 1)
        self._running: dict[str, InvocationAnswer] = {}  # request id -> its answer, in flight
        self._memory_timer: asyncio.TimerHandle | None = None
        self._peak = 0  # the environment's (every worker's) resident memory at its highest

    @property
    def initialization_type(self) -> str:
        return "lambda-managed-instances"

    @property
    def _workers_api(self) -> MultiRuntimeApiServer:
        api = self._api
        assert isinstance(api, MultiRuntimeApiServer)
        return api

    # --- invoking -----------------------------------------------------------------------------

    async def invoke(self, request: InvocationRequest) -> InvocationResult:
        assert self._init.begun, "start() first"
        if self.invocations and self._looks_gone():
            self.state = EnvironmentState.DEAD
            raise EnvironmentGone(f"environment {self.pid} is gone")
        self.invocations += 1
        cold = self.invocations == 1
        answer = InvocationAnswer(request.request_id, request.on_chunk)
        self._running[request.request_id] = answer
        try:
            return await self._run_one(request, answer, cold)
        finally:
            # A caller that gives up (cancelled) only forgets its invocation: the others in this
            # environment go on, and the worker's late result is refused, as Lambda does. An
            # event no worker took yet (all busy, one past its timeout) is taken back.
            self._running.pop(request.request_id, None)
            self._workers_api.withdraw(request.request_id)

    async def _run_one(
        self, request: InvocationRequest, answer: InvocationAnswer, cold: bool
    ) -> InvocationResult:
        prefix = ""
        if self.state is EnvironmentState.INIT or cold:
            await self._await_init(request.request_id)
            if cold:
                self._drain_output()
                prefix = self._capture.take()
        prefix += start_line(request.request_id, self.config.version)
        started = time.perf_counter()
        if not answer.outcome.done():  # init went well
            deadline = Deadline()
            self._deliver(request)
            deadline.arm(started + self.config.timeout, functools.partial(self._timed_out, answer))
            self._watch_memory()
            try:
                await answer.outcome
            finally:
                deadline.cancel()
        outcome = answer.outcome.result()
        duration_ms = (time.perf_counter() - started) * 1000
        self._drain_output()
        return self._finish(request, outcome, prefix, duration_ms, cold)

    def _timed_out(self, answer: InvocationAnswer) -> None:
        """This invocation's time is up: its caller gets the timeout error; the environment and
        the other invocations go on (Managed Instances don't stop the handler)."""
        answer.settle(
            Outcome.error(sandbox_errors.timed_out(answer.request_id, self.config.timeout))
        )

    def _settle(self, outcome: Outcome) -> None:
        """An outcome for the whole environment (a failed or timed-out init): every invocation in
        flight gets it."""
        for answer in list(self._running.values()):
            answer.settle(outcome)

    # --- the memory limit, over every worker --------------------------------------------------

    def _tree_rss(self) -> int:
        root = self.runtime_pid
        if root is None:
            return 0
        rss = sum(process_memory.rss_bytes(pid) for pid in process_tree.descendants(root))
        self._peak = max(self._peak, rss)
        return rss

    def _peak_rss(self) -> int:
        """Max Memory Used: the environment's, every worker's memory summed (read once more
        now: an invocation shorter than the poll was never polled)."""
        if self.state is not EnvironmentState.DEAD:
            self._tree_rss()
        return max(self._peak, super()._peak_rss())

    def _watch_memory(self) -> None:
        if self._memory_timer is None:
            loop = asyncio.get_running_loop()
            self._memory_timer = loop.call_later(MEMORY_POLL_S, self._poll_memory)

    def _poll_memory(self) -> None:
        self._memory_timer = None
        if not self._running or self.state is EnvironmentState.DEAD:
            return
        if self._tree_rss() > self.config.memory_size * _MB:
            for answer in list(self._running.values()):
                answer.settle(Outcome.error(sandbox_errors.out_of_memory(answer.request_id)))
            self._reset("failure")
            return
        self._watch_memory()

    # --- the runtime's answers, on their own request ids --------------------------------------

    def on_stream_chunk(self, request_id: str, data: bytes) -> None:
        answer = self._running.get(request_id)
        if answer is not None:
            answer.chunk(data)

    def on_response(self, request_id: str, body: bytes, content_type: str) -> tuple[int, str]:
        answer = self._running.get(request_id)
        if answer is None or answer.outcome.done():
            return _INVALID_REQUEST_ID
        return answer.response(body, content_type)

    def on_invocation_error(self, request_id: str, body: bytes) -> tuple[int, str]:
        answer = self._running.get(request_id)
        if answer is None or answer.outcome.done():
            return _INVALID_REQUEST_ID
        return answer.error(body)

    def on_worker_lost(self, request_id: str) -> None:
        """The worker that took this invocation hung up before answering it: it died. The
        invocation fails at once; the environment goes on with its other workers, as the docs
        say (the worker is not replaced)."""
        answer = self._running.get(request_id)
        if answer is not None and self.state is not EnvironmentState.DEAD:
            answer.settle(Outcome.error(worker_exited(request_id)))

    def _on_exit(self) -> None:
        """The runtime (every worker's parent) ended: every invocation in flight ends with it."""
        returncode = self._returncode() or 0
        self._drain_output()
        for answer in list(self._running.values()):
            if self._init.error is not None:
                answer.settle(Outcome(False, self._init.error))
            else:
                error = sandbox_errors.exit_error(answer.request_id, returncode)
                answer.settle(Outcome.error(error))
        self._current = None
        super()._on_exit()


def worker_exited(request_id: str) -> dict[str, Any]:
    """What an invocation whose worker died answers. The worker's exit status belongs to its
    parent (the runtime), so Lambda's words for an exit without one are used."""
    message = f"RequestId: {request_id} Error: Runtime exited without providing a reason"
    return sandbox_errors.error_json("Runtime.ExitError", message, request_id)


def new_environment(
    config: FunctionConfig,
    options: RuntimeOptions,
    credentials_env: dict[str, str] | None = None,
    provisioned: bool = False,
    child: ChildProcess | None = None,
) -> ExecutionEnvironment:
    """The environment a function's config calls for: a Managed Instances one when the function
    names a capacity provider, else an on-demand (or provisioned) one."""
    if config.managed_concurrency is not None:
        return ManagedEnvironment(config, options, credentials_env, provisioned, child)
    return ExecutionEnvironment(
        config, options, credentials_env, child=child, provisioned=provisioned
    )
