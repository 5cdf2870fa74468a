"""ReservedConcurrentExecutions is honoured: the pool throttles invocations beyond it as Lambda
does (TooManyRequestsException, before any code runs), `lamina invoke` of a function reserved
at 0 says so in one line, and `lamina api` answers a throttled request as API Gateway does (500)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from gateway.harness import ApiProcess

from lamina.runtime.config import RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool
from lamina.runtime.throttling import FunctionThrottled

SLOW = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return "ran"
"""


async def test_pool_throttles_beyond_the_reserved_concurrency(write_function: Any) -> None:
    config = write_function(SLOW, reserved_concurrency=1)
    async with RuntimePool(RuntimeOptions()) as pool:
        first = asyncio.ensure_future(
            pool.invoke(config, InvocationRequest.from_json({"sleep": 1}))
        )
        while not any(env.invocations for env in pool.environments(config)):
            await asyncio.sleep(0.01)  # the first invocation holds the only slot
        with pytest.raises(FunctionThrottled) as caught:
            await pool.invoke(config, InvocationRequest.from_json({}))
        assert (await first).ok
        again = await pool.invoke(config, InvocationRequest.from_json({}))  # free again
    assert again.ok
    assert "TooManyRequestsException: Rate Exceeded." in str(caught.value)


async def test_reserved_zero_never_runs(write_function: Any) -> None:
    config = write_function(SLOW, reserved_concurrency=0)
    async with RuntimePool(RuntimeOptions()) as pool:
        with pytest.raises(FunctionThrottled):
            await pool.invoke(config, InvocationRequest.from_json({}))
        assert pool.environments(config) == []


TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  PausedFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python{version}
      ReservedConcurrentExecutions: 0
"""


def test_cli_invoke_of_a_function_reserved_at_zero(tmp_path: Path) -> None:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(version=version))
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(SLOW)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "lamina",
            "invoke",
            "PausedFunction",
            "--project-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.splitlines()[-1].startswith(
        "error: TooManyRequestsException: Rate Exceeded. (ReservedFunctionConcurrentInvocation"
    )
    assert "not reproduced" not in run.stderr  # honoured, so not named as ignored


def test_lamina_api_answers_a_throttled_request_with_500(tmp_path: Path) -> None:
    def reserve_none(root: Path) -> None:
        template = root / "template.yaml"
        text = template.read_text()
        echo = "      Handler: app.echo\n"
        template.write_text(text.replace(echo, echo + "      ReservedConcurrentExecutions: 0\n"))

    api = ApiProcess("shop", tmp_path, prepare=reserve_none)
    try:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{api.url}/items/42", timeout=30)
        assert caught.value.code == 500
        assert caught.value.read() == b'{"message": "Internal server error"}'
        api.wait_for_log("TooManyRequestsException")
    finally:
        api.stop()
