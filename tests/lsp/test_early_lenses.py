"""The function resources a template's lines show before its project loads (early_lenses)."""

from __future__ import annotations

import json

from lamina.lsp.early_lenses import early_json, function_lines

TEMPLATE = """\
Globals:
  Function:
    Runtime: python3.12
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: things
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Events:
        Get:
          Type: Api
  Node:
    Properties:
      Runtime: nodejs20.x
    Type: AWS::Lambda::Function
  Plain:
    Properties:
      Runtime: python3.13
    Type: AWS::Lambda::Function
  Last:
    Type: "AWS::Serverless::Function"
Outputs:
  Shown:
    Type: AWS::Serverless::Function
"""


def test_the_functions_are_the_function_resources_of_a_python_runtime() -> None:
    assert function_lines(TEMPLATE) == {"Api": 9, "Plain": 20, "Last": 24}


def test_a_template_the_line_scan_cannot_vouch_for_waits_for_the_load() -> None:
    assert function_lines("Resources: {Fn: {Type: AWS::Serverless::Function}}\n") is None
    assert function_lines("Resources:\n\tFn:\n\t\tType: AWS::Serverless::Function\n") is None


def test_each_function_gets_run_debug_and_sync_on_its_logical_id() -> None:
    lenses = json.loads(early_json(TEMPLATE, {"Api": 9}))
    assert [lens["command"]["command"] for lens in lenses] == [
        "lamina.run",
        "lamina.debug",
        "lamina.sync",
    ]
    for lens in lenses:
        assert lens["range"] == {
            "start": {"line": 8, "character": 2},
            "end": {"line": 8, "character": 5},
        }
        assert lens["command"]["arguments"] == [{"function": "Api"}]
