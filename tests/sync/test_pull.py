"""`lamina pull FUNCTION` as a user runs it: from `lamina serve` into a new project, then
`lamina invoke` on it, then `lamina sync` back under the same name; errors are one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from emulator.harness import ROLE, EmulatorProcess, clean_env, handler_zip, unique

from sync.sync_harness import ROLE_NAME


def lamina(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "lamina", *args],
        capture_output=True,
        text=True,
        env={**clean_env(), **(env or {})},
        cwd=cwd,
        timeout=120,
    )


def test_pull_from_the_emulator_run_it_and_sync_it_back(
    sync_emulator: EmulatorProcess, emulator_lambda: Any, tmp_path: Path
) -> None:
    name = unique("orders-api")
    emulator_lambda.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": handler_zip("deployed")},
        Timeout=7,
        MemorySize=256,
        Environment={"Variables": {"GREETING": "from the cloud"}},
        Description="orders",
    )
    out = lamina(
        "pull", name, "--target", "emulator", "--endpoint-url", sync_emulator.endpoint, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    project = tmp_path / name
    assert out.stdout.startswith(f"pulled {name} into {project}: ")
    template = yaml.safe_load((project / "template.yaml").read_text())
    (logical_id, resource) = next(iter(template["Resources"].items()))
    assert logical_id == "OrdersApi" + name.rsplit("-", 1)[1].capitalize()  # orders-api-<hex>
    assert resource["Properties"] == {
        "FunctionName": name,
        "CodeUri": "src/",
        "Handler": "app.handler",
        "Runtime": "python3.12",
        "Timeout": 7,
        "MemorySize": 256,
        "Architectures": ["x86_64"],
        "Description": "orders",
        "Environment": {"Variables": {"GREETING": "from the cloud"}},
    }
    assert (project / "src" / "app.py").read_text().count("ANSWER = 'deployed'") == 1

    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    run = lamina("invoke", logical_id, cwd=project, env=credentials)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert (answer["answer"], answer["greeting"], answer["memory"]) == (
        "deployed",
        "from the cloud",
        "256",
    )

    handler = project / "src" / "app.py"
    handler.write_text(handler.read_text().replace("'deployed'", "'edited locally'"))
    synced = lamina("sync", "--endpoint-url", sync_emulator.endpoint, cwd=project)
    assert synced.returncode == 0, synced.stderr
    result = emulator_lambda.invoke(FunctionName=name, Payload=b"{}")
    assert json.loads(result["Payload"].read())["answer"] == "edited locally"


def test_pull_errors_are_one_line(sync_emulator: EmulatorProcess, tmp_path: Path) -> None:
    missing = lamina(
        "pull", "nope", "--target", "emulator", "--endpoint-url", sync_emulator.endpoint,
        cwd=tmp_path,
    )  # fmt: skip
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and "nope" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file").write_text("x")
    busy = lamina(
        "pull", "nope", "--target", "emulator", "--endpoint-url", sync_emulator.endpoint,
        "--to", "busy", cwd=tmp_path,
    )  # fmt: skip
    assert busy.returncode == 2
    assert (
        busy.stderr.strip()
        == f"error: {tmp_path / 'busy'} is not empty; pull into a new folder (--to)"
    )


def test_pull_from_aws_reads_the_configuration_and_names_what_it_cannot_fetch(
    moto_aws: Any, tmp_path: Path
) -> None:
    """moto server stands in for AWS; it answers GetFunction with the configuration and a code
    Location on amazonaws.com that it doesn't serve (real AWS gives a presigned URL; this
    machine has no internet), so this is the one-line error path, and nothing is left behind."""
    import os

    name = unique("legacy")
    role = moto_aws.client("iam").get_role(RoleName=ROLE_NAME)["Role"]["Arn"]
    moto_aws.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": handler_zip("in moto")},
    )
    env = {k: v for k, v in os.environ.items() if k.startswith("AWS_") or k == "HOME"}
    out = lamina("pull", name, "--region", "us-east-1", cwd=tmp_path, env=env)
    assert out.returncode == 2
    assert out.stderr.startswith(f"error: cannot download the code of {name}: ")
    assert len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / name).exists()
