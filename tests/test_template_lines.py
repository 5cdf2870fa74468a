"""The line scan of a template's resources gives the YAML parser's lines, or steps aside."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.project.cfn_yaml import parse_cfn_yaml
from lamina.project.template_lines import scan_resource_lines

SAMPLES = sorted((Path(__file__).parent.parent / "samples").rglob("template.y*ml"))

PLAIN = """\
---
AWSTemplateFormatVersion: '2010-09-09'   # a comment
Transform: AWS::Serverless-2016-10-31
Description: >
  Resources: in a folded scalar is not the section
Globals:
  Function:
    Timeout: 3
Resources:
  # a comment at the resources' depth
  Table:
    Type: AWS::DynamoDB::Table

  ItemsFunction:   # trailing comment
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      InlineCode: |
        def handler(event, context):
            return "Fake: not a resource"
      Environment:
        Variables:
          ANCHOR: &shared value
          ALIAS: *shared
  Second:
    Type: AWS::Serverless::Function
Outputs:
  Out:
    Value: !Ref ItemsFunction
"""

# Shapes the scan can't vouch for: each must step aside (None) so that the parser decides.
ODD = [
    '{"Resources": {"F": {"Type": "AWS::Serverless::Function"}}}',  # JSON
    "Resources: {F: {Type: AWS::Serverless::Function}}\n",  # flow style
    "Resources:\n  'Quoted':\n    Type: X\n",  # a quoted key
    "Resources:\n  ? Complex\n  : {Type: X}\n",  # a complex key
    "Resources:\n  F:\n    Type: X\n  F:\n    Type: Y\n",  # a key twice
    "Resources:\n\tF:\n\t\tType: X\n",  # tab indentation
    "%YAML 1.1\n---\nResources:\n  F:\n    Type: X\n",  # a directive
    "Resources:\n  F:\n    Type: X\n---\nResources:\n  G:\n    Type: X\n",  # two documents
    "Resources:\n    F:\n      Type: X\n  G:\n    Type: X\n",  # indentation that shrinks
    "Resources:\n  - F\n",  # a sequence
]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.parent.name))
def test_the_scan_agrees_with_the_parser_on_the_samples(path: Path) -> None:
    text = path.read_text()
    assert scan_resource_lines(text) == parse_cfn_yaml(text, path).resource_lines


def test_the_scan_agrees_with_the_parser_on_a_busy_template() -> None:
    lines = scan_resource_lines(PLAIN)
    assert lines == parse_cfn_yaml(PLAIN, Path("template.yaml")).resource_lines
    assert lines == {"Table": 11, "ItemsFunction": 14, "Second": 25}
    crlf = PLAIN.replace("\n", "\r\n")
    assert scan_resource_lines(crlf) == lines


@pytest.mark.parametrize("text", ODD)
def test_the_scan_steps_aside_where_it_cannot_vouch(text: str) -> None:
    assert scan_resource_lines(text) is None


def test_a_file_without_resources_has_none() -> None:
    assert scan_resource_lines('resource "aws_lambda_function" "f" {\n}\n') == {}
    assert scan_resource_lines("service: x\nfunctions:\n  f:\n    handler: a.b\n") == {}
