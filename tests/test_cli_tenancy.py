"""`lamina invoke --tenant-id` on a template function with TenancyConfig (PER_TENANT): the
handler hears its tenant (context.tenant_id, from the Runtime API's Lambda-Runtime-Aws-Tenant-Id
header); a missing tenant id, or one given to an ordinary function, is the emulator's error."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from test_cli import lamina

HANDLER = """
def handler(event, context):
    return {"tenant": context.tenant_id}
"""

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Tenanted:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      TenancyConfig:
        TenantIsolationMode: PER_TENANT
  Plain:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(textwrap.dedent(HANDLER))
    (tmp_path / "template.yaml").write_text(textwrap.dedent(TEMPLATE))
    return tmp_path


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def test_the_handler_hears_the_tenant_id(project: Path) -> None:
    out = lamina("invoke", "Tenanted", "--tenant-id", "blue", cwd=project)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"tenant": "blue"}

    plain = lamina("invoke", "Plain", cwd=project)
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout) == {"tenant": None}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["Tenanted"],
            "error: InvalidParameterValueException: The invoked function is enabled with tenancy "
            "configuration. Add a valid tenant ID in your request and try again.",
        ),
        (
            ["Plain", "--tenant-id", "blue"],
            "error: InvalidParameterValueException: The invoked function is not enabled with "
            "tenancy configuration. Remove the tenant ID from your request and try again.",
        ),
        (
            ["Tenanted", "--tenant-id", "no#hash"],
            "error: ValidationException: 1 validation error detected: Value 'no#hash' at "
            "'tenantId' failed to satisfy constraint: Member must satisfy regular expression",
        ),
    ],
)
def test_a_wrong_tenant_id_is_the_emulators_one_error(
    project: Path, args: list[str], expected: str
) -> None:
    out = lamina("invoke", *args, cwd=project)
    assert out.returncode == 2, out
    assert out.stdout == ""
    errors = error_lines(out.stderr)
    assert len(errors) == 1 and errors[0].startswith(expected), out.stderr
    assert "Traceback" not in out.stderr
