"""Chained invokes from an execution the editor runs: `context.invoke(name, payload)` reaches the
template's other functions, as on `lamina serve`.

- `target_finder(ls)` tells the durable service what a name is (durable/chained.py's FindTarget):
  a function of the project by its function name (the template's FunctionName, else the
  logical id) or its logical id, given bare, as `name:qualifier` or as an ARN. A durable one
  becomes a child execution, a plain one runs once; any other name fails the operation as
  AWS's ResourceNotFoundException.
- `run_project_function(ls, name, body)` runs such a target (a plain function's one invocation,
  or each invocation of a child execution) in a warm environment of the language server's
  runner, or under debugpy when a debugged execution invoked it (durable_target_debug.py),
  its result reported as a `lamina/invocationResult` like any run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from lamina.lsp.durable_target_debug import Debugged, invoke_debugged
from lamina.lsp.invocation_result import invocation_result
from lamina.lsp.run_command import INVOCATION_RESULT, RunRequest, config_for
from lamina.lsp.server import LaminaServer

if TYPE_CHECKING:
    from lamina.durable.chained import FindTarget, Target
    from lamina.durable.function_runner import FunctionOutcome
    from lamina.project.spec import FunctionSpec
    from lamina.runtime.config import FunctionConfig


async def find_spec(ls: LaminaServer, identifier: str) -> FunctionSpec | None:
    """The project's function a chained invoke names (None: no such function)."""
    from lamina.durable.chained import spec_named

    project = await ls.state.index.project()
    return spec_named(project.functions.values(), identifier)


def with_endpoint(config: FunctionConfig, endpoint: str) -> FunctionConfig:
    """A durable function's environment: the SDK's calls reach `endpoint` (dummy credentials
    sign them when the developer has none)."""
    env = dict(config.environment)
    env["AWS_ENDPOINT_URL_LAMBDA"] = endpoint
    env.setdefault("AWS_ACCESS_KEY_ID", "LAMINALOCALACCESSKEY")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "lamina-local-secret-access-key")
    return replace(config, environment=tuple(sorted(env.items())))


def target_finder(ls: LaminaServer) -> FindTarget:
    async def find(function_name: str, qualifier: str | None) -> Target | None:
        from lamina.durable.chained import Target

        spec = await find_spec(ls, function_name)
        return None if spec is None else Target(spec.durable_config)

    return find


async def run_project_function(
    ls: LaminaServer, identifier: str, body: bytes, endpoint: str, debug: Debugged | None = None
) -> FunctionOutcome:
    """One invocation of a chained invoke's target (FunctionNotFound when there is none); a
    durable target's AWS_ENDPOINT_URL_LAMBDA is `endpoint`, the checkpoint API. With `debug`
    (an execution the editor debugs invoked it), the invocation runs under debugpy."""
    from lamina.durable.function_runner import FunctionNotFound, FunctionOutcome

    spec = await find_spec(ls, identifier)
    if spec is None:
        raise FunctionNotFound(identifier)
    request = RunRequest(spec, body, "chained invoke")
    config = await config_for(ls, request)
    if spec.durable_config is not None:
        config = with_endpoint(config, endpoint)
    if debug is None:
        result = await ls.state.runner.invoke(spec, config, body)
    else:
        result = await invoke_debugged(ls, spec, config, body, debug)
    outcome = invocation_result(result, spec.logical_id, request.event, [spec.code_dir])
    ls.log_to_client(result.logs.rstrip("\n") or f"(no logs from {spec.logical_id})")
    ls.protocol.notify(INVOCATION_RESULT, outcome)
    error_type = None if result.ok else str((result.error or {}).get("errorType", "Unknown"))
    return FunctionOutcome(result.payload, result.request_id, error_type)
