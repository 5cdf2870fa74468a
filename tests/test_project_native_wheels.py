"""Architectures: [arm64] with x86_64 native wheels vendored in the code: said once at load
time, naming the packages (they import here, on an x86_64 machine, but not on Lambda)."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  ArmFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Architectures: [{arch}]
  PureFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: pure/
      Handler: app.handler
      Runtime: python3.12
      Architectures: [arm64]
"""

WHEEL = "Wheel-Version: 1.0\nRoot-Is-Purelib: {purelib}\nTag: {tag}\n"
X86 = "cp312-cp312-manylinux_2_17_x86_64"
WHEELS = {
    "src": {"numpy-2.1.0": X86, "pydantic_core-2.23.4": X86, "six-1.16.0": "py2.py3-none-any"},
    "pure": {"six-1.16.0": "py2.py3-none-any"},
}


def write_project(root: Path, arch: str) -> None:
    (root / "template.yaml").write_text(TEMPLATE.format(arch=arch))
    for folder, wheels in WHEELS.items():
        (root / folder).mkdir()
        (root / folder / "app.py").write_text("def handler(event, context):\n    return 1\n")
        for name, tag in wheels.items():
            info = root / folder / f"{name}.dist-info"
            info.mkdir()
            purelib = "true" if tag.endswith("any") else "false"
            (info / "WHEEL").write_text(WHEEL.format(purelib=purelib, tag=tag))


def functions(root: Path) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "lamina", "functions", "--project-dir", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return run.stderr


@pytest.mark.skipif(platform.machine() != "x86_64", reason="an x86_64 host")
def test_arm64_function_with_x86_64_wheels_is_warned_once(tmp_path: Path) -> None:
    write_project(tmp_path, "arm64")
    warnings = [line for line in functions(tmp_path).splitlines() if "native wheels" in line]
    assert len(warnings) == 1, warnings
    assert "ArmFunction" in warnings[0] and "numpy, pydantic_core" in warnings[0]
    assert "six" not in warnings[0] and "manylinux2014_aarch64" in warnings[0]


@pytest.mark.skipif(platform.machine() != "x86_64", reason="an x86_64 host")
def test_x86_64_function_gets_no_warning(tmp_path: Path) -> None:
    write_project(tmp_path, "x86_64")
    assert "native wheels" not in functions(tmp_path)
