"""`lamina api` on a CDK app and a Terraform configuration that define no API: their API
resources are read (test_api_cdk, test_api_terraform), there are none, and the one error says
so, with no traceback (the Terraform file was once parsed as YAML: "invalid YAML")."""

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
    ("name", "project_file"),
    [("cdk-orders", "cdk.out/manifest.json"), ("terraform-orders", "main.tf")],
)
def test_api_on_a_project_without_routes_says_so(
    name: str, project_file: str, tmp_path: Path
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
    assert "are not read" not in out.stderr
    assert lines[-1] == (
        f"error: {path}: nothing to serve: no API events (Events of Type Api or HttpApi), "
        "API Gateway resources nor Function URLs"
    )
    assert "Traceback" not in out.stderr and "invalid YAML" not in out.stderr
