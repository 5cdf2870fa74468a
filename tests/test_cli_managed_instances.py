"""`lamina invoke` on a template function with CapacityProviderConfig (Lambda Managed Instances):
SAM's flat shape and AWS::Lambda::Function's alike, the function runs in a Managed Instances
environment (AWS_LAMBDA_MAX_CONCURRENCY, the initialization type; its workers are
tests/test_runtime_managed_instances.py's)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from test_cli import lamina

HANDLER = """
import os

def handler(event, context):
    return {
        "max_concurrency": os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY"),
        "init_type": os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE"),
    }
"""

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Sam:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      MemorySize: 2048
      CapacityProviderConfig:
        Arn: arn:aws:lambda:us-east-1:123456789012:capacity-provider:cp
        PerExecutionEnvironmentMaxConcurrency: 3
  SamDefault:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      MemorySize: 4096
      CapacityProviderConfig:
        Arn: arn:aws:lambda:us-east-1:123456789012:capacity-provider:cp
  Cfn:
    Type: AWS::Lambda::Function
    Properties:
      Code: src/
      Handler: app.handler
      Runtime: python3.12
      Role: arn:aws:iam::123456789012:role/r
      CapacityProviderConfig:
        LambdaManagedInstancesCapacityProviderConfig:
          CapacityProviderArn: arn:aws:lambda:us-east-1:123456789012:capacity-provider:cp
          PerExecutionEnvironmentMaxConcurrency: 2
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


def invoke(project: Path, function: str) -> dict[str, object]:
    out = lamina("invoke", function, cwd=project)
    assert out.returncode == 0, out.stderr
    answer: dict[str, object] = json.loads(out.stdout)
    return answer


def test_a_capacity_provider_function_runs_as_managed_instances(project: Path) -> None:
    assert invoke(project, "Sam") == {
        "max_concurrency": "3",
        "init_type": "lambda-managed-instances",
    }
    # Python's default: 16 per vCPU, 4096 MB at 2 GiB per vCPU being 2 vCPUs.
    assert invoke(project, "SamDefault")["max_concurrency"] == "32"
    assert invoke(project, "Cfn")["max_concurrency"] == "2"
    assert invoke(project, "Plain") == {
        "max_concurrency": None,
        "init_type": "on-demand",
    }
