"""Two projects on one shared emulator: each function sync makes carries its project's identity,
and another project's sync of the same name is refused, unless --force or a name prefix."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from emulator.harness import EmulatorProcess, clean_env

from sync.sync_harness import invoke_json, write_project


def lamina(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lamina", *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_two_projects_with_one_function_name(
    tmp_path: Path, sync_emulator: EmulatorProcess, emulator_lambda: Any
) -> None:
    name = f"HelloWorldFunction-{uuid.uuid4().hex[:8]}"  # unique on the shared emulator
    first = write_project(tmp_path / "first", {"Hello": {"FunctionName": name, "answer": "one"}})
    second = write_project(tmp_path / "second", {"Hello": {"FunctionName": name, "answer": "two"}})
    endpoint = ("--endpoint-url", sync_emulator.endpoint)

    made = lamina("sync", *endpoint, cwd=first)
    assert made.returncode == 0, made.stderr
    tags = emulator_lambda.get_function(FunctionName=name)["Tags"]
    our_id = (first / ".lamina" / "state" / "project-id").read_text().strip()
    assert tags["lamina:project"] == our_id and tags["lamina:project-root"] == str(first)

    refused = lamina("sync", *endpoint, cwd=second)
    assert refused.returncode != 0
    assert f"belongs to another project ({first})" in refused.stdout + refused.stderr
    assert "sync.namePrefix" in refused.stdout + refused.stderr and "--force" in refused.stdout
    assert f"this project is {second}" in refused.stdout + refused.stderr  # both projects named
    assert "FunctionName in the template" in refused.stdout + refused.stderr  # all 3 ways out
    assert invoke_json(emulator_lambda, name)["answer"] == "one"  # untouched

    # The first project syncs on as before; the second takes over only with --force.
    assert lamina("sync", *endpoint, cwd=first).returncode == 0
    forced = lamina("sync", "--force", *endpoint, cwd=second)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert invoke_json(emulator_lambda, name)["answer"] == "two"
    assert emulator_lambda.get_function(FunctionName=name)["Tags"]["lamina:project-root"] == str(
        second
    )


def test_a_name_prefix_keeps_projects_apart(
    tmp_path: Path, sync_emulator: EmulatorProcess, emulator_lambda: Any
) -> None:
    name = f"Hello-{uuid.uuid4().hex[:8]}"
    plain = write_project(tmp_path / "plain", {"Hello": {"FunctionName": name, "answer": "a"}})
    prefixed = write_project(
        tmp_path / "prefixed",
        {"Hello": {"FunctionName": name, "answer": "b"}},
        '[tool.lamina.sync]\nnamePrefix = "other-"\n',
    )
    endpoint = ("--endpoint-url", sync_emulator.endpoint)
    assert lamina("sync", *endpoint, cwd=plain).returncode == 0
    made = lamina("sync", *endpoint, cwd=prefixed)
    assert made.returncode == 0, made.stdout + made.stderr
    assert invoke_json(emulator_lambda, name)["answer"] == "a"
    assert invoke_json(emulator_lambda, f"other-{name}")["answer"] == "b"
