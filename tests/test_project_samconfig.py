"""A SAM project as SAM users keep it: samconfig.toml, a template elsewhere, JSON, nested apps."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from lamina.project import ProjectError, load_project
from lamina.project.project_options import SYNC_COMMAND, ProjectOptions
from lamina.project.samconfig import parse_parameter_overrides

FIXTURE = Path(__file__).parent / "projects" / "sam-samconfig"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = tmp_path / "orders-app"
    shutil.copytree(FIXTURE, root)
    return root


def test_samconfig_names_the_template_and_its_parameters(app: Path) -> None:
    project = load_project(app)
    assert project.template_path == app / "infra" / "template.yaml"
    assert project.samconfig_path == app / "samconfig.toml"
    orders = project.functions["OrdersFunction"]
    assert orders.code_dir == app / "src" / "orders"
    assert orders.environment["STAGE"] == "dev"
    assert orders.environment["TABLE_NAME"] == "orders dev"  # shell quoting, as SAM CLI reads it
    assert orders.memory_size == 256
    assert orders.events[0].name == "order"  # the project's events/ beside samconfig.toml


def test_deploy_values_are_defaults_under_the_settings(app: Path) -> None:
    project = load_project(app)
    assert project.settings["sync"] == {
        "stackName": "orders-app",
        "region": "eu-west-1",
        "profile": "orders-deployer",
    }
    (app / "pyproject.toml").write_text('[tool.lamina]\n"sync.region" = "ap-south-1"\n')
    settings = load_project(app).settings
    assert settings["sync.region"] == "ap-south-1"
    assert settings["sync"] == {"stackName": "orders-app", "profile": "orders-deployer"}


def test_config_env_picks_another_environment(app: Path) -> None:
    project = load_project(app, options=ProjectOptions(config_env="prod"))
    orders = project.functions["OrdersFunction"]
    assert orders.environment["STAGE"] == "prod"
    assert orders.environment["TABLE_NAME"] == "orders-prod"
    assert orders.environment["REGION"] == "eu-central-1"  # samconfig's region is AWS::Region
    assert orders.memory_size == 1024  # the IsProd condition follows the parameter
    assert "ProdOnlyAuditFunction" in project.functions
    assert not any("condition IsProd is false" in w for w in project.warnings)


def test_a_false_condition_is_said_once(app: Path) -> None:
    project = load_project(app)
    assert any("ProdOnlyAuditFunction" in w and "IsProd is false" in w for w in project.warnings)


def test_the_sync_section_is_read_for_sync(app: Path) -> None:
    project = load_project(app, options=ProjectOptions(sam_command=SYNC_COMMAND))
    assert project.functions["OrdersFunction"].environment["TABLE_NAME"] == "orders-staging"


def test_command_line_overrides_win_key_by_key(app: Path) -> None:
    options = ProjectOptions(parameter_overrides={"TableName": "mine"})
    orders = load_project(app, options=options).functions["OrdersFunction"]
    assert orders.environment["TABLE_NAME"] == "mine"
    assert orders.environment["STAGE"] == "dev"


def test_nested_application_from_a_local_json_template(app: Path) -> None:
    project = load_project(app)
    charge = project.functions["Payments/ChargeFunction"]
    assert charge.function_name == "Payments-ChargeFunction"
    assert charge.code_dir == app / "apps" / "payments" / "src"
    assert charge.handler == "app.charge"
    assert charge.environment == {"CURRENCY": "EUR", "STAGE": "payments-dev"}
    assert project.find("Payments-ChargeFunction") is charge
    assert any(
        w.startswith("Marketplace") and "Serverless Application Repository" in w
        for w in project.warnings
    )


def test_a_nested_template_that_is_missing_names_file_and_line(app: Path) -> None:
    (app / "apps" / "payments" / "template.json").unlink()
    with pytest.raises(ProjectError) as error:
        load_project(app)
    assert error.value.path == app / "infra" / "template.yaml"
    assert error.value.line == 44
    assert "nested stack 'Payments'" in str(error.value)


def test_nested_templates_in_a_circle_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        textwrap.dedent(
            """
            Resources:
              Fn: {Type: AWS::Serverless::Function, Properties: {Handler: a.h, Runtime: python3.12}}
              Again: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: ./template.yaml}}
            """
        )
    )
    project = load_project(tmp_path)
    assert list(project.functions) == ["Fn"]
    assert any("go round in a circle" in w for w in project.warnings)


def test_template_option_wins_over_setting_and_samconfig(app: Path) -> None:
    other = app / "other.yaml"
    other.write_text(
        "Resources:\n  Other:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src/orders, Handler: app.audit, Runtime: python3.12}\n"
    )
    (app / "pyproject.toml").write_text('[tool.lamina]\ntemplate = "other.yaml"\n')
    assert list(load_project(app).functions) == ["Other"]
    chosen = load_project(app, options=ProjectOptions(template=app / "infra"))
    assert chosen.template_path == app / "infra" / "template.yaml"


def test_a_template_named_but_missing_is_an_error(app: Path) -> None:
    with pytest.raises(ProjectError) as error:
        load_project(app, options=ProjectOptions(template=app / "nope.yaml"))
    assert str(error.value) == f"{app / 'nope.yaml'}: no such template (from --template)"
    (app / "samconfig.toml").write_text('[default.global.parameters]\ntemplate_file = "gone.yaml"')
    with pytest.raises(ProjectError, match=r"gone.yaml: no such template \(from samconfig.toml\)"):
        load_project(app)


def test_sam_build_output_is_never_run(app: Path) -> None:
    built = app / ".aws-sam" / "build"
    (built / "OrdersFunction").mkdir(parents=True)
    (built / "template.yaml").write_text(
        "Resources:\n  OrdersFunction:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: OrdersFunction, Handler: app.handler, Runtime: python3.12}\n"
    )
    (app / "template.yaml").write_text(
        "Resources:\n  OrdersFunction:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src/orders, Handler: app.handler, Runtime: python3.12}\n"
    )
    (app / "samconfig.toml").unlink()
    project = load_project(app, options=ProjectOptions(template=built / "template.yaml"))
    assert project.template_path == app / "template.yaml"
    assert project.functions["OrdersFunction"].code_dir == app / "src" / "orders"
    assert any("is `sam build` output" in w for w in project.warnings)
    (app / "template.yaml").unlink()
    with pytest.raises(ProjectError, match="`sam build` output"):
        load_project(app, options=ProjectOptions(template=built / "template.yaml"))


def test_unknown_config_env_names_the_file_and_the_environments(app: Path) -> None:
    with pytest.raises(ProjectError) as error:
        load_project(app, options=ProjectOptions(config_env="qa"))
    assert str(error.value) == (
        f"{app / 'samconfig.toml'}: no environment 'qa' (environments here: default, prod)"
    )


def test_broken_samconfig_names_file_and_line(app: Path) -> None:
    (app / "samconfig.toml").write_text("version = 0.1\n[default.global.parameters\n")
    with pytest.raises(ProjectError) as error:
        load_project(app)
    assert error.value.path == app / "samconfig.toml"
    assert error.value.line == 2


def test_samconfig_yaml(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE / "src", tmp_path / "src")
    shutil.copytree(FIXTURE / "infra", tmp_path / "infra")
    shutil.copytree(FIXTURE / "apps", tmp_path / "apps")
    (tmp_path / "samconfig.yaml").write_text(
        textwrap.dedent(
            """
            version: 0.1
            default:
              global:
                parameters:
                  template_file: infra/template.yaml
                  parameter_overrides: Stage=staging
            """
        )
    )
    orders = load_project(tmp_path).functions["OrdersFunction"]
    assert orders.environment["STAGE"] == "staging"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A=1 B=two", {"A": "1", "B": "two"}),
        ("ParameterKey=A,ParameterValue=x=y", {"A": "x=y"}),
        ('Name="a b" Empty=', {"Name": "a b", "Empty": ""}),
        (["A=1", "B=2 C=3"], {"A": "1", "B": "2", "C": "3"}),
    ],
)
def test_parameter_override_forms(text: str | list[str], expected: dict[str, str]) -> None:
    assert parse_parameter_overrides(text, "here") == expected


def test_a_bad_parameter_override_says_what_is_expected() -> None:
    with pytest.raises(ProjectError, match=r"here: parameter override 'Stage' is not Key=Value"):
        parse_parameter_overrides("Stage", "here")


def test_json_template_indented_with_tabs_keeps_resource_lines(tmp_path: Path) -> None:
    import json

    template = {
        "Resources": {
            "Hello": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Handler": "app.handler", "Runtime": "python3.12"},
            },
            "NoHandler": {"Type": "AWS::Serverless::Function", "Properties": {}},
        }
    }
    (tmp_path / "template.json").write_text(json.dumps(template, indent="\t"))
    with pytest.raises(ProjectError) as error:
        load_project(tmp_path)
    assert (error.value.path, error.value.line) == (tmp_path / "template.json", 10)
    assert "function 'NoHandler': Handler is missing" in str(error.value)
    del template["Resources"]["NoHandler"]
    (tmp_path / "template.json").write_text(json.dumps(template, indent="\t"))
    hello = load_project(tmp_path).functions["Hello"]
    assert (hello.source_path, hello.source_line) == (tmp_path / "template.json", 3)


def test_broken_json_template_names_the_line(tmp_path: Path) -> None:
    text = '{\n\t"Resources": {\n\t\t"A": {}\n\t\t"B": {}\n\t}\n}\n'  # a comma missing
    (tmp_path / "template.json").write_text(text)
    with pytest.raises(ProjectError) as error:
        load_project(tmp_path)
    assert (error.value.line, error.value.message) == (4, "invalid JSON: Expecting ',' delimiter")
