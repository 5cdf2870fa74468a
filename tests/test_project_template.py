"""Reading SAM/CloudFormation templates: tags, intrinsics, Globals, skipped and broken functions."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import pytest

from lamina.project import ProjectError, read_template
from lamina.project.cfn_yaml import parse_cfn_yaml
from lamina.project.intrinsics import IntrinsicResolver
from lamina.project.spec import DEFAULT_ROLE, LOCAL_RUNTIME
from lamina.project.stack_context import StackContext

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


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


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


def test_template_yml_without_runtime_or_code_uri(tmp_path: Path) -> None:
    path = write(
        tmp_path / "template.yml",
        """\
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: main.handler
              Environment:
                Variables:
                  EMPTY:
        """,
    )
    result = read_template(path)
    (spec,) = result.functions
    assert spec.runtime == LOCAL_RUNTIME
    assert spec.code_dir == tmp_path
    assert spec.environment == {"EMPTY": ""}
    assert spec.source_line == 2
    assert result.warnings == [f"Fn: no Runtime; assuming {LOCAL_RUNTIME}"]


def test_missing_code_folder_is_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path / "template.yaml",
        """\
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: main.handler
              Runtime: python3.12
              CodeUri: missing/
        """,
    )
    result = read_template(path)
    assert result.functions[0].code_dir == tmp_path / "missing"
    assert result.warnings == [
        f"Fn: code folder 'missing/' does not exist ({tmp_path / 'missing'})"
    ]


def test_bad_indentation_names_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "template.yaml",
        """\
        Resources:
          HelloFunction:
            Type: AWS::Serverless::Function
             Properties:
              Handler: app.handler
        """,
    )
    with pytest.raises(ProjectError) as caught:
        read_template(path)
    assert caught.value.path == path
    assert caught.value.line == 4
    # PyYAML's C parser ends the message "in this context", the pure-Python one "here".
    assert str(caught.value).startswith(f"{path}:4: invalid YAML: mapping values are not allowed")


def test_unclosed_flow_sequence_names_the_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "template.yaml",
        """\
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Architectures: [arm64
        Outputs: {}
        """,
    )
    with pytest.raises(ProjectError) as caught:
        read_template(path)
    assert caught.value.path == path
    assert caught.value.line == 7
    assert caught.value.message.startswith("invalid YAML: ")


def test_missing_handler_names_resource_and_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "template.yaml",
        """\
        Globals:
          Function:
            Runtime: python3.12

        Resources:
          Table:
            Type: AWS::DynamoDB::Table

          OrdersFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: .
        """,
    )
    with pytest.raises(ProjectError) as caught:
        read_template(path)
    assert str(caught.value) == (
        f"{path}:9: function 'OrdersFunction': Handler is missing "
        "(expected something like 'app.lambda_handler')"
    )


def test_handler_from_globals_is_enough(tmp_path: Path) -> None:
    path = write(
        tmp_path / "template.yaml",
        """\
        Globals:
          Function:
            Runtime: python3.12
            Handler: app.handler
        Resources:
          A:
            Type: AWS::Serverless::Function
        """,
    )
    assert read_template(path).functions[0].handler == "app.handler"


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("Resources: [a, b]\n", 1, "Resources must be a mapping, not list"),
        ("- just\n- a list\n", 1, "a template must be a mapping of sections (Resources, ...)"),
        ("Resources:\n  A: 3\n", 2, "resource 'A' must be a mapping"),
        ("Resources:\n  A:\n    Properties: {}\n", 2, "resource 'A' has no Type"),
        (
            "Resources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties: [1]\n",
            2,
            "resource 'A': Properties must be a mapping",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties:\n"
            "      Handler: a.b\n      Runtime: python3.12\n      Timeout: soon\n",
            2,
            "function 'A': Timeout must be a whole number, not 'soon'",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      Handler: a.b\n      Runtime: python3.12\n      Architectures: [x86_64, arm64]\n",
            2,
            "function 'A': 1 validation error detected: Value '[x86_64, arm64]' at "
            "'architectures' failed to satisfy constraint: Member must have length less than "
            "or equal to 1",
        ),
        (
            "Globals:\n  Function:\n    Architectures: [X86_64]\nResources:\n  A:\n"
            "    Type: AWS::Serverless::Function\n    Properties:\n"
            "      Handler: a.b\n      Runtime: python3.12\n",
            5,
            "function 'A': 1 validation error detected: Value '[X86_64]' at 'architectures' "
            "failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy "
            "enum value set: [x86_64, arm64], Member must not be null]",
        ),
        (
            "Globals:\n  Function: 3\nResources: {}\n",
            1,
            "Globals.Function must be a mapping of properties",
        ),
        (
            "Resources:\n  A:\n    Type: X\n  A:\n    Type: Y\n",
            4,
            "resource 'A' is defined twice",
        ),
    ],
)
def test_broken_templates(tmp_path: Path, body: str, line: int, message: str) -> None:
    path = write(tmp_path / "template.yaml", body)
    with pytest.raises(ProjectError) as caught:
        read_template(path)
    assert (caught.value.path, caught.value.line, caught.value.message) == (path, line, message)


def test_empty_template_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "template.yaml", "# nothing yet\n")
    result = read_template(path)
    assert result.functions == []
    assert result.warnings == ["template.yaml is empty"]


def test_short_tags_become_long_forms_and_lines_are_recorded() -> None:
    text = textwrap.dedent(
        """\
        Version: 2012-10-17
        Resources:
          A:
            Type: T
            Properties:
              Ref: !Ref X
              Sub: !Sub "${X}"
              Att: !GetAtt A.B.C
              AttList: !GetAtt [A, B]
              Cond: !Condition C
              Azs: !GetAZs ""
              Cidr: !Cidr [10.0.0.0/16, 4, 8]
              Custom: !Reff X
          B: {Type: U}
        """
    )
    document = parse_cfn_yaml(text, Path("t.yaml"))
    properties = document.data["Resources"]["A"]["Properties"]
    assert document.data["Version"] == "2012-10-17"
    assert properties == {
        "Ref": {"Ref": "X"},
        "Sub": {"Fn::Sub": "${X}"},
        "Att": {"Fn::GetAtt": ["A", "B.C"]},
        "AttList": {"Fn::GetAtt": ["A", "B"]},
        "Cond": {"Condition": "C"},
        "Azs": {"Fn::GetAZs": ""},
        "Cidr": {"Fn::Cidr": ["10.0.0.0/16", 4, 8]},
        "Custom": {"Fn::Reff": "X"},
    }
    assert document.resource_line("A") == 3
    assert document.resource_line("B") == 14
    assert document.resource_line("C") is None
    assert document.section_line("Resources") == 2


def test_resolver_never_raises_on_malformed_or_unknown_functions() -> None:
    template = {"Parameters": {"P": {"Type": "String", "Default": "v"}}, "Resources": {"R": {}}}
    resolver = IntrinsicResolver(template, StackContext(region="us-west-2"))
    assert resolver.resolve({"Fn::Select": [5, ["a"]]}, "F.X") == "${Select:5}"
    assert resolver.resolve({"Fn::Join": "nope"}, "F.Y") == "${Join:nope}"
    assert resolver.resolve({"Fn::Reff": "P"}, "F.Z") == "${Reff:P}"
    assert resolver.resolve({"Fn::Cidr": ["10.0.0.0/16", 4, 8]}, "F.C") == (
        "${Cidr:10.0.0.0/16,4,8}"
    )
    assert resolver.resolve({"Fn::If": ["Missing", "a", "b"]}, "F.I") == "b"
    assert resolver.resolve({"Fn::Select": [1, {"Fn::GetAZs": ""}]}, "F.A") == "us-west-2b"
    assert resolver.resolve({"Ref": "R"}, "F.R") == "${Ref:R}"
    assert resolver.resolve({"Ref": "Nope"}, "F.N") == "${Ref:Nope}"
    assert resolver.resolve({"Fn::Sub": "${R.Arn}/${P}"}, "F.S") == "${GetAtt:R.Arn}/v"
    assert resolver.resolve([{"Ref": "AWS::NoValue"}, "kept"], "F.L") == ["kept"]
    assert resolver.warnings == [
        "F.X: Fn::Select index 5 is out of range (the list has 1 items); using '${Select:5}'",
        "F.Y: malformed Fn::Join arguments 'nope'; using '${Join:nope}'",
        "F.Z: Fn::Reff is not supported locally; using '${Reff:P}'",
        "F.C: Fn::Cidr is not supported locally; using '${Cidr:10.0.0.0/16,4,8}'",
        "F.I: unknown condition 'Missing'; treating it as false",
        "F.R: Ref R refers to a resource, which has no local value; using '${Ref:R}'",
        "F.N: Ref Nope: no such parameter or resource; using '${Ref:Nope}'",
        "F.S: GetAtt R.Arn has no local value; using '${GetAtt:R.Arn}'",
    ]


def test_conditions_referring_to_themselves_are_false() -> None:
    template = {"Conditions": {"Loop": {"Fn::Not": [{"Condition": "Loop"}]}}}
    resolver = IntrinsicResolver(template, StackContext())
    assert resolver.resolve({"Fn::If": ["Loop", "yes", "no"]}, "F.V") == "yes"
    assert resolver.warnings == [
        "Conditions.Loop: condition 'Loop' refers to itself; treating it as false",
    ]


def test_ssm_parameters_and_find_in_map_defaults() -> None:
    template = {
        "Parameters": {
            "Latest": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/app/v"}
        },
        "Mappings": {"M": {"a": {"b": "c"}}},
    }
    resolver = IntrinsicResolver(template, StackContext())
    assert resolver.resolve({"Ref": "Latest"}, "F.P") == "${Ref:Latest}"
    default = {"DefaultValue": "d"}
    assert resolver.resolve({"Fn::FindInMap": ["M", "a", "x", default]}, "F.M") == "d"
    assert resolver.resolve({"Fn::FindInMap": ["M", "a", "x"]}, "F.N") == "${FindInMap:M.a.x}"
    assert resolver.resolve({"Fn::ToJsonString": {"k": [1, True]}}, "F.J") == '{"k":[1,true]}'
    assert resolver.resolve({"Fn::Length": [1, 2, 3]}, "F.L") == 3
    assert resolver.warnings == [
        "F.P: Ref Latest is an SSM parameter ('/app/v'), which has no local value; "
        "using '${Ref:Latest}'",
        "F.N: Fn::FindInMap: no entry M.a.x; using '${FindInMap:M.a.x}'",
    ]


def test_tab_indentation_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n\tFn:\n\t\tType: AWS::Serverless::Function\n", encoding="utf-8")
    with pytest.raises(ProjectError) as caught:
        read_template(path)
    assert caught.value.line == 2
    assert caught.value.message.endswith("; YAML does not allow tabs for indentation")


def test_function_with_a_false_condition_is_loaded_with_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path / "template.yaml",
        """\
        Parameters:
          Stage: {Type: String, Default: dev}
        Conditions:
          IsProd: !Equals [!Ref Stage, prod]
        Resources:
          ProdOnly:
            Type: AWS::Serverless::Function
            Condition: IsProd
            Properties:
              Handler: app.handler
              Runtime: python3.12
        """,
    )
    result = read_template(path)
    assert [spec.logical_id for spec in result.functions] == ["ProdOnly"]
    assert result.warnings == ["ProdOnly: condition IsProd is false; loaded anyway"]


def test_properties_local_runs_ignore_are_named_once_per_function(tmp_path: Path) -> None:
    template = write(
        tmp_path / "template.yaml",
        """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Tracing: Active
        Resources:
          Traced:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Runtime: python3.12
              VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}
              EphemeralStorage: {Size: 1024}
          Plain:
            Type: AWS::Lambda::Function
            Properties:
              Code: src/
              Handler: app.handler
              Runtime: python3.12
        """,
    )
    (tmp_path / "src").mkdir()
    result = read_template(template)
    assert result.warnings == [
        "Traced: not reproduced locally (the function runs without them): Tracing, VpcConfig"
    ]
    traced = result.functions[0]
    assert traced.ephemeral_storage == 1024


def test_async_recursion_and_tenancy_settings_are_named_and_reserved_concurrency_is_not(
    tmp_path: Path,
) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
        "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: .\n"
        "      Handler: app.handler\n      Runtime: python3.12\n"
        "      ReservedConcurrentExecutions: 2\n      RecursiveLoop: Allow\n"
        "      EventInvokeConfig: {MaximumRetryAttempts: 0}\n"
        "      TenancyConfig: {TenantIsolationMode: PER_TENANT}\n"
    )
    result = read_template(template)
    assert result.warnings == [
        "Fn: not reproduced locally (the function runs without them): EventInvokeConfig, "
        "RecursiveLoop, TenancyConfig"
    ]
    assert result.functions[0].reserved_concurrency == 2


def test_a_plain_functions_dead_letter_config_and_key_are_named(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Code: .\n      Handler: app.handler\n      Runtime: python3.12\n"
        "      DeadLetterConfig: {TargetArn: arn:aws:sqs:us-east-1:123456789012:dlq}\n"
        "      KmsKeyArn: arn:aws:kms:us-east-1:123456789012:key/k\n"
    )
    result = read_template(template)
    assert result.warnings == [
        "Fn: not reproduced locally (the function runs without them): DeadLetterConfig, KmsKeyArn"
    ]


def test_policies_and_permissions_boundary_are_named_once_as_not_enforced(tmp_path: Path) -> None:
    # Locally the function runs with the developer's credentials: what its role would deny on
    # Lambda works here, so the template's IAM properties are named (once, for all functions).
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  A:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      {CodeUri: ., Handler: app.handler, Runtime: python3.12,"
        " Policies: [AWSLambdaBasicExecutionRole]}\n"
        "  B:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      {CodeUri: ., Handler: app.handler, Runtime: python3.12,"
        " Policies: [{S3ReadPolicy: {BucketName: b}}],"
        " PermissionsBoundary: 'arn:aws:iam::123456789012:policy/boundary'}\n"
        "  C:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      {CodeUri: ., Handler: app.handler, Runtime: python3.12}\n"
    )
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    warnings = read_template(template).warnings
    about_iam = [w for w in warnings if "not enforced locally" in w]
    assert len(about_iam) == 1, warnings
    assert about_iam[0].endswith("(in A.Policies, B.Policies, B.PermissionsBoundary)")
    assert "C." not in about_iam[0]


def test_a_function_with_a_known_name_is_referred_to_by_it() -> None:
    """`!Ref OtherFunction` is the FunctionName when the template says it; otherwise it stays a
    placeholder (on AWS the stack names the function)."""
    function = "AWS::Serverless::Function"
    template = {
        "Resources": {
            "Named": {"Type": function, "Properties": {"FunctionName": "orders-worker"}},
            "Plain": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "Stacked": {
                "Type": function,
                "Properties": {"FunctionName": {"Fn::Sub": "${Table}-fn"}},
            },
            "Loop": {"Type": function, "Properties": {"FunctionName": {"Ref": "Loop"}}},
            "Table": {"Type": "AWS::DynamoDB::Table"},
        }
    }
    resolver = IntrinsicResolver(template, StackContext())
    assert resolver.resolve({"Ref": "Named"}, "F.A") == "orders-worker"
    assert resolver.resolve({"Ref": "Plain"}, "F.B") == "${Ref:Plain}"
    assert resolver.resolve({"Ref": "Stacked"}, "F.C") == "${Ref:Stacked}"
    assert resolver.resolve({"Ref": "Loop"}, "F.D") == "${Ref:Loop}"
    assert resolver.resolve({"Ref": "Table"}, "F.E") == "${Ref:Table}"
