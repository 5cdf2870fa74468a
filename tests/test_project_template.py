"""Reading SAM/CloudFormation templates: tags, intrinsics, Globals, skipped and broken functions."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from text_files import write

from lamina.project import read_template
from lamina.project.spec import DEFAULT_ROLE

SAM_APP = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: >
  sam-app: a hello-world with a table

Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  TableName:
    Type: String
    Default: orders
  Subnets:
    Type: CommaDelimitedList
    Default: "subnet-a, subnet-b,subnet-c"
  ApiKey:
    Type: String

Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  DevInUsEast: !And
    - !Condition IsDev
    - !Equals [!Ref "AWS::Region", us-east-1]
  AnyOf: !Or [!Condition IsProd, !Equals [a, a]]

Mappings:
  StageConfig:
    dev:
      LogLevel: DEBUG
      Memory: 256
    prod:
      LogLevel: WARN
      Memory: 1024

Globals:
  Function:
    Timeout: 3
    Runtime: python3.12
    Architectures: [arm64]
    Environment:
      Variables:
        STAGE: !Ref Stage
        LOG_LEVEL: INFO
        POWERTOOLS_SERVICE_NAME: orders

Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello_world/
      Handler: app.lambda_handler
      Timeout: 10
      MemorySize: !FindInMap [StageConfig, !Ref Stage, Memory]
      FunctionName: !Sub "${AWS::StackName}-hello-${Stage}"
      Environment:
        Variables:
          LOG_LEVEL: !FindInMap [StageConfig, !Ref Stage, LogLevel]
          TABLE_NAME: !Ref OrdersTable
          TABLE_ARN: !GetAtt OrdersTable.Arn
          STREAM_ARN: !GetAtt [OrdersTable, StreamArn]
          ENDPOINT: !Sub "https://dynamodb.${AWS::Region}.${AWS::URLSuffix}/${TableName}"
          TABLE_URL: !Sub "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${OrdersTable}"
          LITERAL: !Sub "${!NotAVariable}-${Stage}"
          SUB_VARS: !Sub
            - "${Proto}://${Host}/${Stage}"
            - Proto: https
              Host: !Join [".", [api, !Ref "AWS::Region", example, com]]
          SUBNETS: !Join [";", !Ref Subnets]
          FIRST_SUBNET: !Select [0, !Ref Subnets]
          SECOND_PART: !Select [1, !Split ["-", "a-b-c"]]
          IS_PROD: !If [IsProd, "yes", "no"]
          DEV_EAST: !If [DevInUsEast, true, false]
          ANY: !If [AnyOf, 1, 0]
          PROD_ONLY: !If [IsProd, secret, !Ref AWS::NoValue]
          ENCODED: !Base64 hello
          RETRIES: 5
          RATIO: 0.5
          ENABLED: true
          IMPORTED: !ImportValue shared-vpc-id
          KEY: !Ref ApiKey
      Events:
        HelloWorld:
          Type: Api
          Properties:
            Path: /hello
            Method: get

  LongFormFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/long
      Handler: handlers.orders.create
      Role: { "Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/orders-${Stage}" }
      Architectures: [x86_64]
      Environment:
        Variables:
          STAGE: prod-override
          JOINED: { "Fn::Join": ["-", [{ "Ref": "Stage" }, { "Fn::Select": ["1", ["x", "y"]] }]] }
          EQUALS: { "Fn::If": ["IsDev", { "Fn::Base64": "dev" }, "nope"] }

  RoleFromResourceFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Role: !GetAtt OrdersRole.Arn

  NodeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: web/
      Handler: index.handler
      Runtime: nodejs20.x

  ImageFunction:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
    Metadata:
      Dockerfile: Dockerfile

  OrdersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Ref TableName

  OrdersRole:
    Type: AWS::IAM::Role

  PlainLambda:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: plain-lambda
      Code: plain/
      Handler: index.handler
      Runtime: python3.11
      MemorySize: "512"
      Role: arn:aws:iam::111122223333:role/plain
      Environment:
        Variables:
          GLOBAL_APPLIED: "no"

  InlineLambda:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      Role: !GetAtt OrdersRole.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              return event

  S3Lambda:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      Role: !GetAtt OrdersRole.Arn
      Code:
        S3Bucket: my-bucket
        S3Key: code.zip
"""


@pytest.fixture
def sam_app(tmp_path: Path) -> Path:
    for folder in ("hello_world", "src/long", "plain", "web"):
        (tmp_path / folder).mkdir(parents=True)
    return write(tmp_path / "template.yaml", SAM_APP)


@pytest.fixture(autouse=True)
def _region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


def test_sam_app_functions_in_template_order(sam_app: Path) -> None:
    result = read_template(sam_app)
    assert [spec.logical_id for spec in result.functions] == [
        "HelloWorldFunction",
        "LongFormFunction",
        "RoleFromResourceFunction",
        "PlainLambda",
        "InlineLambda",  # Code.ZipFile, run as index.py (test_project_constructs)
    ]


def test_hello_world_function_with_globals_and_intrinsics(sam_app: Path) -> None:
    hello = read_template(sam_app).functions[0]
    root = sam_app.parent
    assert hello.handler == "app.lambda_handler"
    assert hello.code_dir == root / "hello_world"
    assert hello.function_name == "lamina-local-hello-dev"
    assert hello.runtime == "python3.12"
    assert hello.timeout == 10
    assert hello.memory_size == 256
    assert hello.architectures == ["arm64"]
    assert hello.role == DEFAULT_ROLE
    assert hello.source == "template"
    assert hello.source_path == sam_app
    assert hello.source_line == line_of(SAM_APP, "  HelloWorldFunction:")
    assert hello.environment == {
        "STAGE": "dev",
        "LOG_LEVEL": "DEBUG",
        "POWERTOOLS_SERVICE_NAME": "orders",
        "TABLE_NAME": "${Ref:OrdersTable}",
        "TABLE_ARN": "${GetAtt:OrdersTable.Arn}",
        "STREAM_ARN": "${GetAtt:OrdersTable.StreamArn}",
        "ENDPOINT": "https://dynamodb.us-east-1.amazonaws.com/orders",
        "TABLE_URL": "arn:aws:dynamodb:us-east-1:123456789012:table/${Ref:OrdersTable}",
        "LITERAL": "${NotAVariable}-dev",
        "SUB_VARS": "https://api.us-east-1.example.com/dev",
        "SUBNETS": "subnet-a;subnet-b;subnet-c",
        "FIRST_SUBNET": "subnet-a",
        "SECOND_PART": "b",
        "IS_PROD": "no",
        "DEV_EAST": "true",
        "ANY": "1",
        "ENCODED": base64.b64encode(b"hello").decode(),
        "RETRIES": "5",
        "RATIO": "0.5",
        "ENABLED": "true",
        "IMPORTED": "${ImportValue:shared-vpc-id}",
        "KEY": "${Ref:ApiKey}",
    }


def said(warnings: list[str], where: str, message: str) -> bool:
    """`where: message`, or the message said once for several places, this one among them."""
    return f"{where}: {message}" in warnings or any(
        w.startswith(f"{message} (in ") and where in w for w in warnings
    )


def test_unresolved_values_are_warned_about_with_function_and_property(sam_app: Path) -> None:
    warnings = read_template(sam_app).warnings
    where = "HelloWorldFunction.Environment.Variables."
    assert said(
        warnings,
        where + "TABLE_NAME",
        "Ref OrdersTable refers to a resource, which has no local value; using '${Ref:OrdersTable}'",
    )
    assert said(
        warnings,
        where + "TABLE_ARN",
        "GetAtt OrdersTable.Arn has no local value; using '${GetAtt:OrdersTable.Arn}'",
    )
    assert said(
        warnings,
        where + "IMPORTED",
        "Fn::ImportValue shared-vpc-id comes from another stack, which has no local value; "
        "using '${ImportValue:shared-vpc-id}'",
    )
    assert said(
        warnings, where + "KEY", "Ref ApiKey: the parameter has no Default; using '${Ref:ApiKey}'"
    )


def test_placeholder_warnings_are_said_once_for_all_functions(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    functions = "".join(
        f"""
  Fn{i}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.handler
      Runtime: python3.12
      Role: !GetAtt AppRole.Arn
      Environment:
        Variables:
          TABLE: !Ref TableName
"""
        for i in range(5)
    )
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nParameters:\n  TableName:\n    Type: String\n"
        "Resources:\n  AppRole:\n    Type: AWS::IAM::Role\n" + functions
    )
    warnings = read_template(template).warnings
    about_table = [w for w in warnings if "TableName" in w]
    about_role = [w for w in warnings if "Role" in w]
    assert len(about_table) == 1 and "(in Fn0.Environment.Variables.TABLE, " in about_table[0]
    assert about_table[0].endswith("and 2 more)")
    # The role: one line (not a placeholder warning and a fallback warning) for all five.
    assert about_role == [
        f"${{GetAtt:AppRole.Arn}} has no local value; local runs use the role {DEFAULT_ROLE} "
        "(in Fn0.Role, Fn1.Role, Fn2.Role and 2 more)"
    ]


def test_long_form_intrinsics_and_function_wins_over_globals(sam_app: Path) -> None:
    long_form = read_template(sam_app).functions[1]
    assert long_form.handler == "handlers.orders.create"
    assert long_form.code_dir == sam_app.parent / "src" / "long"
    assert long_form.role == "arn:aws:iam::123456789012:role/orders-dev"
    assert long_form.architectures == ["x86_64"]
    assert long_form.timeout == 3
    assert long_form.environment == {
        "STAGE": "prod-override",
        "LOG_LEVEL": "INFO",
        "POWERTOOLS_SERVICE_NAME": "orders",
        "JOINED": "dev-y",
        "EQUALS": base64.b64encode(b"dev").decode(),
    }


def test_role_from_a_resource_falls_back_to_the_local_role(sam_app: Path) -> None:
    result = read_template(sam_app)
    spec = result.functions[2]
    assert spec.role == DEFAULT_ROLE
    assert spec.code_dir == sam_app.parent
    roles = [w for w in result.warnings if "RoleFromResourceFunction.Role" in w]
    assert len(roles) == 1 and f"local runs use the role {DEFAULT_ROLE}" in roles[0]


def test_lambda_function_resource_gets_no_globals(sam_app: Path) -> None:
    plain = read_template(sam_app).functions[3]
    assert plain.function_name == "plain-lambda"
    assert plain.code_dir == sam_app.parent / "plain"
    assert plain.runtime == "python3.11"
    assert plain.timeout == 3
    assert plain.memory_size == 512
    assert plain.role == "arn:aws:iam::111122223333:role/plain"
    assert plain.environment == {"GLOBAL_APPLIED": "no"}
    assert plain.architectures == ["x86_64"]


def test_unrunnable_functions_are_skipped_with_warnings(sam_app: Path) -> None:
    warnings = read_template(sam_app).warnings
    assert "NodeFunction: skipped: Runtime nodejs20.x is not a Python runtime" in warnings
    assert (
        "ImageFunction: skipped: PackageType Image (a container image) is not supported" in warnings
    )
    assert not [
        w for w in warnings if w.startswith("InlineLambda: skipped")
    ]  # read: test_project_constructs
    assert (
        'S3Lambda: skipped: the code is in S3 ({"S3Bucket":"my-bucket","S3Key":"code.zip"}); '
        "Lamina needs local code" in warnings
    )


def test_region_and_stack_name_come_from_the_environment_and_caller(
    sam_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    hello = read_template(sam_app, stack_name="shop").functions[0]
    assert hello.function_name == "shop-hello-dev"
    assert hello.environment["ENDPOINT"] == "https://dynamodb.eu-west-1.amazonaws.com/orders"
    assert hello.environment["DEV_EAST"] == "false"
    monkeypatch.setenv("AWS_REGION", "cn-north-1")
    hello = read_template(sam_app).functions[0]
    assert hello.environment["ENDPOINT"] == "https://dynamodb.cn-north-1.amazonaws.com.cn/orders"
    assert hello.environment["TABLE_URL"] == (
        "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/${Ref:OrdersTable}"
    )


def test_parameter_overrides_switch_conditions(sam_app: Path) -> None:
    hello = read_template(sam_app, parameter_overrides={"Stage": "prod"}).functions[0]
    assert hello.function_name == "lamina-local-hello-prod"
    assert hello.memory_size == 1024
    assert hello.environment["IS_PROD"] == "yes"
    assert hello.environment["PROD_ONLY"] == "secret"
    assert hello.environment["LOG_LEVEL"] == "WARN"
