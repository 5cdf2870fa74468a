"""Sync makes a template's FunctionUrlConfig real: created, updated, deleted when the template
drops it, on `lamina serve` and on moto server (standing in for AWS) through the same calls."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from emulator.harness import EmulatorProcess

from lamina.deploy.sync_status import SyncState
from lamina.project import load_project
from sync.sync_harness import write_project

URL_LOGGER = "lamina.deploy.function_urls"
CORS = {"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET", "POST"], "MaxAge": 60}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def public_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == URL_LOGGER and "PUBLIC" in r.message
    ]


async def sync_message(manager: Any) -> str:
    status = await manager.sync("Hello")
    assert status.state is SyncState.DONE, status.message
    return str(status.message)


def not_found(client: Any, name: str) -> bool:
    try:
        client.get_function_url_config(FunctionName=name)
    except client.exceptions.ResourceNotFoundException:
        return True
    return False


async def test_the_emulator_gets_the_templates_url_and_follows_its_changes(
    tmp_path: Path,
    sync_emulator: EmulatorProcess,
    emulator_lambda: Any,
    make_manager: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=URL_LOGGER)
    name = unique("url")
    spec: dict[str, Any] = {
        "FunctionName": name,
        "FunctionUrlConfig": {"AuthType": "NONE", "Cors": CORS},
    }
    root = write_project(tmp_path / "p", {"Hello": spec})
    manager, _ = make_manager(root, sync_emulator.endpoint)

    assert await sync_message(manager) == "created, public URL created"
    config = emulator_lambda.get_function_url_config(FunctionName=name)
    assert (config["AuthType"], config["Cors"]) == ("NONE", CORS)
    with urllib.request.urlopen(config["FunctionUrl"], timeout=30) as response:
        assert json.loads(response.read()) == {"answer": "v1", "greeting": None}
    assert public_warnings(caplog) == []  # the emulator's URLs are on loopback

    assert await sync_message(manager) == "code unchanged"  # nothing asked of the URL

    spec["FunctionUrlConfig"] = {"AuthType": "AWS_IAM", "InvokeMode": "RESPONSE_STREAM"}
    write_project(root, {"Hello": spec})
    assert await sync_message(manager) == "code unchanged, URL updated"
    config = emulator_lambda.get_function_url_config(FunctionName=name)
    assert (config["AuthType"], config["InvokeMode"]) == ("AWS_IAM", "RESPONSE_STREAM")
    assert not config.get("Cors")  # dropped from the template: cleared

    del spec["FunctionUrlConfig"]
    write_project(root, {"Hello": spec})
    assert await sync_message(manager) == "code unchanged, URL deleted"
    assert not_found(emulator_lambda, name)


async def test_a_url_only_template_edit_redeploys_on_reload(
    tmp_path: Path, sync_emulator: EmulatorProcess, emulator_lambda: Any, make_manager: Any
) -> None:
    name = unique("urlauto")
    spec: dict[str, Any] = {"FunctionName": name, "FunctionUrlConfig": {"AuthType": "AWS_IAM"}}
    root = write_project(tmp_path / "p", {"Hello": spec})
    manager, _ = make_manager(root, sync_emulator.endpoint)
    assert manager.auto_sync  # the emulator's default
    assert await sync_message(manager) == "created, URL created"

    spec["FunctionUrlConfig"] = {"AuthType": "AWS_IAM", "Cors": {"AllowOrigins": ["*"]}}
    write_project(root, {"Hello": spec})
    assert manager.set_project(load_project(root)) == ["Hello"]
    await manager.wait_idle()
    assert manager.statuses[("emulator", "Hello")].message == "code unchanged, URL updated"
    assert emulator_lambda.get_function_url_config(FunctionName=name)["Cors"] == {
        "AllowOrigins": ["*"]
    }
    # Reloading the same template: nothing to deploy.
    assert manager.set_project(load_project(root)) == []


async def test_aws_gets_the_url_with_one_public_warning_and_keeps_hand_made_ones(
    tmp_path: Path,
    lam: Any,
    existing: Any,
    aws_manager: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=URL_LOGGER)
    name = existing()
    spec: dict[str, Any] = {"FunctionUrlConfig": {"AuthType": "NONE", "Cors": CORS}}
    root = write_project(tmp_path / "p", {"Hello": spec})
    manager, _ = aws_manager(root, functions={"Hello": name})

    assert await sync_message(manager) == "code updated, public URL created"
    config = lam.get_function_url_config(FunctionName=name)
    assert (config["AuthType"], config["Cors"]) == ("NONE", CORS)
    policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    assert [s["Action"] for s in policy["Statement"]] == ["lambda:InvokeFunctionUrl"]
    warnings = public_warnings(caplog)
    assert len(warnings) == 1 and name in warnings[0] and config["FunctionUrl"] in warnings[0]

    spec["FunctionUrlConfig"]["Cors"] = {"AllowOrigins": ["*"]}
    write_project(root, {"Hello": spec})
    assert await sync_message(manager) == "code unchanged, URL updated"
    assert lam.get_function_url_config(FunctionName=name)["Cors"] == {"AllowOrigins": ["*"]}
    assert len(public_warnings(caplog)) == 1  # once per function, not per sync

    del spec["FunctionUrlConfig"]
    write_project(root, {"Hello": spec})
    assert await sync_message(manager) == "code unchanged, URL deleted"  # declared here before
    assert not_found(lam, name)

    # A URL someone made by hand, on a function whose template never declared one: kept.
    other = existing()
    lam.create_function_url_config(FunctionName=other, AuthType="AWS_IAM")
    root2 = write_project(tmp_path / "p2", {"Hello": {}})
    manager2, _ = aws_manager(root2, functions={"Hello": other})
    assert await sync_message(manager2) == "code updated"
    assert lam.get_function_url_config(FunctionName=other)["AuthType"] == "AWS_IAM"


def test_the_cli_says_on_stderr_that_it_made_a_public_url_on_aws(
    tmp_path: Path, lam: Any, existing: Any, moto_endpoint: str
) -> None:
    name = existing()
    spec = {"FunctionUrlConfig": {"AuthType": "NONE"}}
    pyproject = f'[tool.lamina.sync.functions]\nHello = "{name}"\n'
    root = write_project(tmp_path / "p", {"Hello": spec}, pyproject=pyproject)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # moto_aws's credentials and endpoint
    result = subprocess.run(
        [sys.executable, "-m", "lamina", "sync", "--target", "aws", "--project-dir", str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "public URL created" in result.stdout, result.stdout
    url = lam.get_function_url_config(FunctionName=name)["FunctionUrl"]
    assert f"{name}: created a PUBLIC Function URL" in result.stderr, result.stderr
    assert url in result.stderr and result.stderr.count("PUBLIC") == 1
