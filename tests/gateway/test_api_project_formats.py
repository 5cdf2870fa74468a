"""`lamina api` on a Terraform configuration, whose functions Lamina reads but whose API Gateway
resources it does not: one warning naming the file and what is not read, one error, no
traceback (the Terraform file was parsed as YAML: "invalid YAML"). A CDK app's APIs are read
(test_api_cdk); one without any says so in the same error, with no warning."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ports import free_port

PROJECTS = Path(__file__).resolve().parents[1] / "projects"


@pytest.mark.parametrize(
    ("name", "project_file", "what"),
    [
        ("cdk-orders", "cdk.out/manifest.json", None),
        ("terraform-orders", "main.tf", "a Terraform configuration"),
    ],
)
def test_api_on_a_project_without_routes_says_so(
    name: str, project_file: str, what: str | None, tmp_path: Path
) -> None:
    root = tmp_path / name
    shutil.copytree(PROJECTS / name, root)
    manifest = root / "cdk.out" / "manifest.json"
    if manifest.exists():  # synthesized after the sources were last changed
        fresh = time.time() + 60
        os.utime(manifest, (fresh, fresh))
    out = subprocess.run(
        [sys.executable, "-m", "lamina", "api", "--port", str(free_port())],
        cwd=root, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2
    path = root / project_file
    lines = out.stderr.splitlines()
    if what is None:  # read, and none there
        assert "the API Gateway resources of" not in out.stderr
    else:
        assert f"lamina: warning: {path}: the API Gateway resources of {what} (" in out.stderr
    assert lines[-1] == (
        f"error: {path}: the template has no API events (Events of Type Api or HttpApi) nor "
        "FunctionUrlConfig to serve"
    )
    assert "Traceback" not in out.stderr and "invalid YAML" not in out.stderr
