"""`lamina sync` on a CDK app, a Serverless Framework service and a Terraform configuration
(tests/projects/), to `lamina serve`: each function is deployed under the name its format gives
it, from the user's source folder, and runs there with its configuration."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from emulator.harness import EmulatorProcess, clean_env

PROJECTS = Path(__file__).resolve().parents[1] / "projects"

# project, the function as Lamina names it, its name in Lambda, its handler (file:function),
# what it answers to {}
FORMATS = {
    "cdk-orders": (
        "OrdersStack/Orders",
        "Orders5A7C1F2B",  # the logical id: the assembly gives no FunctionName
        "lambda/orders/app.py:handler",  # not the copy in cdk.out
        {"table": "${Ref:TableCD117FA1}", "stage": "dev", "memory": "512"},
    ),
    "serverless-orders": (
        "report",
        "orders-nightly-report",
        "src/handlers/orders.py:report",
        {"memory": "1024"},
    ),
    "terraform-orders": (
        "report",
        "orders-report",
        "src/report/report.py:handler",
        {"report": "orders-report"},
    ),
}
# Appended to the handler's file before the sync: the deployed code is the user's own.
EDIT = """

_unedited = {function}


def {function}(event, context):
    return {{**_unedited(event, context), "edited": True}}
"""


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_sync_deploys_each_formats_function_from_its_sources(
    name: str, sync_emulator: EmulatorProcess, emulator_lambda: Any, tmp_path: Path
) -> None:
    root = tmp_path / name
    shutil.copytree(PROJECTS / name, root)
    manifest = root / "cdk.out" / "manifest.json"
    if manifest.exists():  # synthesized after the sources were last changed
        fresh = time.time() + 60
        os.utime(manifest, (fresh, fresh))
    function, deployed_name, handler, answer = FORMATS[name]
    source, _, python_function = handler.partition(":")
    with (root / source).open("a") as file:
        file.write(EDIT.format(function=python_function))
    out = subprocess.run(
        [sys.executable, "-m", "lamina", "sync", function, "--endpoint-url",
         sync_emulator.endpoint],
        capture_output=True, text=True, env=clean_env(), cwd=root, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert f"{function} (emulator): done" in out.stdout
    result = emulator_lambda.invoke(FunctionName=deployed_name, Payload=b"{}")
    assert "FunctionError" not in result
    payload = json.loads(result["Payload"].read())
    assert {key: payload.get(key) for key in [*answer, "edited"]} == {**answer, "edited": True}
