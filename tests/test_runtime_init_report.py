"""The REPORT line after a failed init reports what the init took, as Lambda's does: its
duration and memory, `Status: error` and the error type (not 0.00 ms and 0 MB)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lamina.runtime.config import RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

FAILS_AT_INIT = """
import time
ballast = bytearray(40 * 1024 * 1024)
ballast[::4096] = b"x" * len(ballast[::4096])  # touched: resident
raise RuntimeError("no config")
def handler(event, context):
    return 1
"""


@pytest.mark.parametrize("client", ["lamina", "awslambdaric"])
async def test_report_after_a_failed_init(write_function: Any, client: str) -> None:
    config = write_function(FAILS_AT_INIT)
    async with RuntimePool(RuntimeOptions(runtime_client=client)) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    assert result.error is not None and result.error["errorType"] == "RuntimeError"
    report = result.logs.splitlines()[-1]
    match = re.match(
        r"REPORT RequestId: \S+\tDuration: (\d+\.\d\d) ms\tBilled Duration: (\d+) ms\t"
        r"Memory Size: 128 MB\tMax Memory Used: (\d+) MB\tStatus: error\tError Type: RuntimeError\t$",
        report,
    )
    assert match, report
    assert float(match.group(1)) > 0 and float(match.group(1)) == round(result.duration_ms, 2)
    assert int(match.group(3)) >= 40  # the init's 40 MB, measured before the runtime exited
    assert result.init_duration_ms is None  # said as the invocation's duration instead
