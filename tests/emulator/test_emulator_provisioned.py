"""Provisioned concurrency through boto3 against `lamina serve`: a config becomes READY only once
its environment has run the function's init, before any invoke, as on Lambda. AWS's answers to
the API itself are checked by the recorded suite (tests/emulator/recorded)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emulator.harness import ROLE, raw_zip, unique, wait_until

# Init (module import) leaves a mark in a file, so the test sees when it ran.
HANDLER = b"""
import os, time
with open(os.environ["INIT_MARK"], "a") as mark:
    mark.write("init\\n")

def handler(event, context):
    return {"version": context.function_version}
"""


def test_ready_means_initialised_ahead(lam: Any) -> None:
    # Not under /tmp: environments get a private /tmp, as on Lambda.
    marks = Path(__file__).resolve().parents[2] / "build" / "test-marks"
    marks.mkdir(parents=True, exist_ok=True)
    mark = marks / f"{unique('init')}.log"
    name = unique("provisioned")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": raw_zip({"app.py": HANDLER})},
        Environment={"Variables": {"INIT_MARK": str(mark)}},
    )
    version = lam.publish_version(FunctionName=name)["Version"]
    assert not mark.exists()  # nothing ran yet
    put = lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1
    )
    assert put["Status"] == "IN_PROGRESS" and put["RequestedProvisionedConcurrentExecutions"] == 1

    def ready() -> bool:
        config = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=version)
        return bool(config["Status"] == "READY")

    wait_until(ready)
    assert mark.read_text() == "init\n"  # initialised before any invoke
    listed = lam.list_provisioned_concurrency_configs(FunctionName=name)
    assert [c["FunctionArn"] for c in listed["ProvisionedConcurrencyConfigs"]] == [
        f"arn:aws:lambda:us-east-1:123456789012:function:{name}:{version}"
    ]
    answer = lam.invoke(FunctionName=name, Qualifier=version, Payload=b"{}")["Payload"].read()
    assert json.loads(answer) == {"version": version}
    assert mark.read_text() == "init\n"  # the invoke used that environment: no second init

    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=version)
    assert (
        lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
        == []
    )
