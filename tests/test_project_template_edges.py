"""Templates that are broken, odd or half-runnable: errors that name the file and line, warnings said
once, and a resolver that never raises."""

from __future__ import annotations

from pathlib import Path

import pytest
from text_files import write

from lamina.project import ProjectError, read_template
from lamina.project.spec import LOCAL_RUNTIME


@pytest.fixture(autouse=True)
def _region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


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
