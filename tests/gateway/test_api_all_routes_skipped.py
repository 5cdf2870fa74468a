"""`lamina api` on a template whose API routes all belong to functions Lamina skips (a nodejs
function of a mixed SAM app): it says why there is nothing to serve, not "no API events"
(issue 16, a message found on real projects)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from skipped_routes_template import NODE_ONLY_API


def run_api(tmp_path: Path, template: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "template.yaml").write_text(template)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(
        [sys.executable, "-m", "lamina", "api", "--port", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_all_routes_skipped_is_said_with_the_reason(tmp_path: Path) -> None:
    out = run_api(tmp_path, NODE_ONLY_API)
    assert out.returncode == 2, out
    lines = out.stderr.strip().splitlines()
    assert "NodeFunction: skipped: Runtime nodejs20.x is not a Python runtime" in lines[0]
    assert lines[-1] == (
        f"error: {tmp_path / 'template.yaml'}: nothing to serve: the template's 1 API route(s) "
        "are all skipped (the warnings above say why)"
    )
    assert "no API events" not in out.stderr and "Traceback" not in out.stderr


SERVICE_ONLY = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        openapi: "3.0.1"
        paths:
          /submit:
            post:
              x-amazon-apigateway-integration:
                type: aws_proxy
                integrationSubtype: SQS-SendMessage
                payloadFormatVersion: "1.0"
                requestParameters: {MessageBody: $request.body, QueueUrl: https://example.com/q}
"""


def test_a_route_that_calls_an_aws_service_is_named_as_skipped(tmp_path: Path) -> None:
    """serverless-patterns' apigw-sqs-lambda-ddb: its only route sends to SQS, which `lamina
    api` does not do; the route is named, not "no API events"."""
    out = run_api(tmp_path, SERVICE_ONLY)
    assert out.returncode == 2, out
    assert (
        "warning: HttpApi.DefinitionBody.paths./submit.post: its SQS-SendMessage integration "
        "calls no function here; route skipped" in out.stderr
    ), out.stderr
    assert out.stderr.strip().splitlines()[-1] == (
        f"error: {tmp_path / 'template.yaml'}: nothing to serve: the template's 1 API route(s) "
        "are all skipped (the warnings above say why)"
    )


QUEUE_WEBSOCKET_ONLY = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Socket:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: socket
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  ToQueue:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Socket
      IntegrationType: AWS
      IntegrationMethod: POST
      IntegrationUri: arn:aws:apigateway:us-east-1:sqs:path/123456789012/messages
  Default:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Socket
      RouteKey: $default
      Target: !Sub integrations/${ToQueue}
  Live:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Socket, StageName: live}
"""


def test_a_websocket_api_that_runs_no_function_is_nothing_to_serve(tmp_path: Path) -> None:
    """Its only route sends to SQS: not "serving 0 route(s)", but nothing to serve."""
    out = run_api(tmp_path, QUEUE_WEBSOCKET_ONLY)
    assert out.returncode == 2, out
    assert "nothing to serve" in out.stderr.strip().splitlines()[-1], out.stderr
    assert "serving" not in out.stdout and "Traceback" not in out.stderr
