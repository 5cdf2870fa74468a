"""Provisioned concurrency beyond the happy path, through boto3 against `lamina serve`: an init
that fails leaves the config FAILED (as on AWS), provisioned environments serve before on-demand
ones of the same version, and a warm-up makes the version's layers ready before it starts."""

from __future__ import annotations

import base64
import json
from typing import Any

from emulator.harness import ROLE, raw_zip, unique, wait_until
from emulator.test_emulator_layers import publish
from emulator.test_emulator_provisioned import _counting_function, _mark, _status


def test_an_init_failure_leaves_the_config_failed(lam: Any) -> None:
    name = unique("provisioned")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": raw_zip({"app.py": b"raise RuntimeError('no database')\n"})},
    )
    version = lam.publish_version(FunctionName=name)["Version"]
    put = lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1
    )
    assert put["Status"] == "IN_PROGRESS"
    wait_until(lambda: _status(lam, name, version) != "IN_PROGRESS")
    config = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=version)
    assert config["Status"] == "FAILED"
    assert config["StatusReason"] == "FUNCTION_ERROR_INIT_FAILURE"
    assert config["AllocatedProvisionedConcurrentExecutions"] == 0
    assert config["AvailableProvisionedConcurrentExecutions"] == 0
    # The emulator keeps serving: an invoke reports the init error as Lambda does.
    got = lam.invoke(FunctionName=name, Qualifier=version)
    assert got["FunctionError"] == "Unhandled"
    assert json.loads(got["Payload"].read())["errorMessage"] == "no database"


def test_provisioned_environments_serve_before_on_demand_ones(lam: Any) -> None:
    mark = _mark()
    name, version = _counting_function(lam, mark)
    # An on-demand environment of the version is warm before the config exists.
    first = json.loads(lam.invoke(FunctionName=name, Qualifier=version)["Payload"].read())
    assert first["type"] == "on-demand"
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1
    )
    wait_until(lambda: _status(lam, name, version) == "READY")
    assert mark.read_text() == "on-demand\nprovisioned-concurrency\n"
    for _ in range(3):
        got = lam.invoke(FunctionName=name, Qualifier=version, LogType="Tail")
        assert "Init Duration" not in base64.b64decode(got["LogResult"]).decode()
        answer = json.loads(got["Payload"].read())
        assert answer["type"] == "provisioned-concurrency", answer
        assert answer["env"] != first["env"]
    assert mark.read_text() == "on-demand\nprovisioned-concurrency\n"  # no init since


def test_a_warm_up_prepares_the_layers_first(lam: Any) -> None:
    layer = publish(lam, unique("layer"), {"python/helpers.py": "WHO = 'from the layer'\n"})
    name = unique("provisioned")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        # Imported at init: the provisioned environment needs the layer before any invoke.
        Code={"ZipFile": raw_zip({"app.py": b"import os, helpers\n"
                                            b"def handler(event, context):\n"
                                            b"    return [helpers.WHO,"
                                            b" os.environ['AWS_LAMBDA_INITIALIZATION_TYPE']]\n"})},
        Layers=[layer["LayerVersionArn"]],
    )  # fmt: skip
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1
    )
    wait_until(lambda: _status(lam, name, version) != "IN_PROGRESS")
    assert _status(lam, name, version) == "READY"
    got = lam.invoke(FunctionName=name, Qualifier=version, LogType="Tail")
    assert "Init Duration" not in base64.b64decode(got["LogResult"]).decode()
    assert json.loads(got["Payload"].read()) == ["from the layer", "provisioned-concurrency"]
