"""Constructs of the project formats read beyond the first pass: Serverless Framework layers
(applied to a run, as deployed) and the stage chosen on the command line, through `lamina` as a
user runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_cli import lamina

from lamina.project import load_project
from lamina.runtime.package_set import cache_root

PROJECTS = Path(__file__).parent / "projects"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Terraform parse cache goes to the test's own folder, not the user's ~/.cache; runs
    keep Lambda's runtime packages in the shared cache (installed once, not per test)."""
    monkeypatch.setenv("LAMINA_CACHE_DIR", str(cache_root()))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


SERVICE_WITH_LAYERS = """\
service: shop
provider:
  name: aws
  runtime: python3.12
  layers:
    - arn:aws:lambda:eu-west-1:123456789012:layer:shared:3
layers:
  common-deps:
    path: layers/common
  broken:
    path: layers/missing
functions:
  create:
    handler: app.create
    layers:
      - {Ref: CommonDashdepsLambdaLayer}
  report:
    handler: app.report
  odd:
    handler: app.report
    layers:
      - ${cf:other-stack.LayerArn}
"""
HANDLER = """\
import common_util


def create(event, context):
    return {"from_layer": common_util.NAME, "file": common_util.__file__}


def report(event, context):
    return {}
"""


@pytest.fixture
def service(tmp_path: Path) -> Path:
    (tmp_path / "serverless.yml").write_text(SERVICE_WITH_LAYERS)
    (tmp_path / "app.py").write_text(HANDLER)
    python = tmp_path / "layers" / "common" / "python"
    python.mkdir(parents=True)
    (python / "common_util.py").write_text("NAME = 'common layer'\n")
    return tmp_path


def test_serverless_layers_by_ref_and_arn_with_the_providers_as_default(service: Path) -> None:
    project = load_project(service)
    create = project.functions["create"]
    assert [(layer.name, layer.content_dir) for layer in create.layers] == [
        ("CommonDashdepsLambdaLayer", service / "layers" / "common")
    ]  # the function's own list replaces the provider's
    report = project.functions["report"]
    assert [(layer.name, layer.arn) for layer in report.layers] == [
        ("arn:aws:lambda:eu-west-1:123456789012:layer:shared:3",) * 2
    ]
    assert project.functions["odd"].layers == []
    warnings = "\n".join(project.warnings)
    assert "layers.broken: path layers/missing is not a folder; layer left out" in warnings
    assert "functions.odd: layer '${cf:other-stack.LayerArn}' is neither a layer" in warnings
    assert "layers are not added" not in warnings


def test_serverless_layer_code_imports_from_opt_in_a_run(service: Path) -> None:
    out = lamina("invoke", "create", "--event", "-", cwd=service, stdin="{}")
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["from_layer"] == "common layer"
    assert answer["file"].endswith("python/common_util.py")


STAGED_SERVICE = """\
service: shop
provider:
  name: aws
  runtime: python3.12
  stage: qa
  environment:
    STAGE: ${sls:stage}
    TABLE: ${self:custom.tables.${sls:stage}}
    COLOR: ${opt:color, 'blue'}
custom:
  tables: {qa: qa-table, prod: prod-table}
functions:
  create:
    handler: app.create
"""


def test_serverless_stage_from_the_command_line_over_provider_stage(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(STAGED_SERVICE)
    (tmp_path / "app.py").write_text("def create(event, context):\n    return {}\n")
    quiet = lamina("functions", "--json", cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    (row,) = json.loads(quiet.stdout)
    assert row["functionName"] == "shop-qa-create"  # provider.stage
    staged = lamina(
        "functions", "--json", "--stage", "prod", "--parameter-overrides", "color=red",
        cwd=tmp_path,
    )  # fmt: skip
    assert staged.returncode == 0, staged.stderr
    (row,) = json.loads(staged.stdout)
    assert row["functionName"] == "shop-prod-create"
    spec = load_project(tmp_path, parameter_overrides={"stage": "prod", "color": "red"}).functions[
        "create"
    ]
    assert spec.environment == {"STAGE": "prod", "TABLE": "prod-table", "COLOR": "red"}


def test_terraform_var_on_the_command_line_wins_over_tfvars(tmp_path: Path) -> None:
    root = tmp_path / "terraform-orders"
    shutil.copytree(PROJECTS / "terraform-orders", root)
    plain = load_project(root).functions["orders"]
    assert plain.environment["LOG_LEVEL"] == "DEBUG"  # terraform.tfvars
    given = load_project(root, parameter_overrides={"log_level": "WARN", "stage": "prod"})
    orders = given.functions["orders"]
    assert (orders.environment["LOG_LEVEL"], orders.environment["STAGE"]) == ("WARN", "prod")
    assert orders.function_name == "orders-prod-create"


INLINE_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  SamInline:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      InlineCode: |
        def handler(event, context):
            return {"inline": "sam", "file": __file__, "event": event}
  CfnInline:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      Role: arn:aws:iam::123456789012:role/inline
      Code:
        ZipFile: |
          def handler(event, context):
              return {"inline": "cloudformation"}
  NotCode:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      InlineCode: {"Fn::ImportValue": "elsewhere"}
"""


def test_inline_code_runs_from_an_index_py_outside_the_project(tmp_path: Path) -> None:
    """SAM's InlineCode and CloudFormation's Code.ZipFile (the CDK's Code.fromInline) are
    written, as CloudFormation does, to index.py: in Lamina's cache, never in the project."""
    project = tmp_path / "inline"
    project.mkdir()
    (project / "template.yaml").write_text(INLINE_TEMPLATE)
    loaded = load_project(project)
    assert list(loaded.functions) == ["SamInline", "CfnInline"]
    sam = loaded.functions["SamInline"]
    assert sam.handler_path.name == "index.py"
    assert project not in sam.handler_path.parents
    assert any(
        w.startswith("NotCode: skipped: InlineCode is not a string") for w in loaded.warnings
    )
    out = lamina("invoke", "SamInline", "--event", "-", cwd=project, stdin='{"n": 1}')
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert (answer["inline"], answer["event"]) == ("sam", {"n": 1})
    assert answer["file"].endswith("/index.py")
    out = lamina("invoke", "CfnInline", cwd=project)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"inline": "cloudformation"}
    assert sorted(p.name for p in project.iterdir()) == ["template.yaml"]


TERRAFORM_WITH_LAYERS = """\
data "archive_file" "deps" {
  type        = "zip"
  source_dir  = "${path.module}/layers/deps"
  output_path = "${path.module}/build/deps.zip"
}

resource "aws_lambda_layer_version" "deps" {
  layer_name = "deps"
  filename   = data.archive_file.deps.output_path
}

data "archive_file" "app" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/app.zip"
}

resource "aws_lambda_function" "orders" {
  function_name = "orders"
  role          = "arn:aws:iam::123456789012:role/orders"
  handler       = "app.create"
  runtime       = "python3.12"
  filename      = data.archive_file.app.output_path
  layers = [
    aws_lambda_layer_version.deps.arn,
    "arn:aws:lambda:eu-west-1:123456789012:layer:shared:3",
    aws_lambda_layer_version.missing.arn,
  ]
}
"""


def test_terraform_layers_run_from_their_archive_folders(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM_WITH_LAYERS)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(HANDLER)
    python = tmp_path / "layers" / "deps" / "python"
    python.mkdir(parents=True)
    (python / "common_util.py").write_text("NAME = 'terraform layer'\n")
    project = load_project(tmp_path)
    orders = project.functions["orders"]
    shared = "arn:aws:lambda:eu-west-1:123456789012:layer:shared:3"
    assert [(layer.name, layer.content_dir, layer.arn) for layer in orders.layers] == [
        ("aws_lambda_layer_version.deps", tmp_path / "layers" / "deps", None),
        (shared, None, shared),
    ]
    assert (
        "aws_lambda_function.orders: layer aws_lambda_layer_version.missing has no local folder; "
        "left out"
    ) in project.warnings
    out = lamina("invoke", "orders", "--event", "-", cwd=tmp_path, stdin="{}")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["from_layer"] == "terraform layer"


ROOT_CALLING_A_MODULE = """\
variable "stage" {
  default = "dev"
}

module "api" {
  source      = "./modules/api"
  stage       = var.stage
  memory      = 256
}
"""
API_MODULE = """\
variable "stage" {}
variable "memory" {
  default = 128
}

data "archive_file" "api" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/api.zip"
}

resource "aws_lambda_function" "handler" {
  function_name = "api-${var.stage}"
  role          = "arn:aws:iam::123456789012:role/api"
  handler       = "app.create"
  runtime       = "python3.12"
  filename      = data.archive_file.api.output_path
  memory_size   = var.memory
  environment {
    variables = { STAGE = var.stage }
  }
}

module "remote" {
  source = "terraform-aws-modules/s3-bucket/aws"
}
"""


def test_terraform_local_modules_are_read_with_their_inputs(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ROOT_CALLING_A_MODULE)
    module = tmp_path / "modules" / "api"
    (module / "src").mkdir(parents=True)
    (module / "main.tf").write_text(API_MODULE)
    (module / "src" / "app.py").write_text("def create(event, context):\n    return {}\n")
    project = load_project(tmp_path, parameter_overrides={"stage": "prod"})
    assert list(project.functions) == ["module.api.handler"]
    spec = project.functions["module.api.handler"]
    assert (spec.function_name, spec.memory_size) == ("api-prod", 256)
    assert spec.environment == {"STAGE": "prod"}
    assert spec.code_dir == module / "src"  # path.module is the module's folder
    assert (spec.source_path, spec.source_line) == (module / "main.tf", 12)
    assert project.find("api-prod") is spec
    assert any(
        w.startswith("module.api: module.remote (terraform-aws-modules/s3-bucket/aws)")
        for w in project.warnings
    )
    out = lamina("invoke", "module.api.handler", cwd=tmp_path)
    assert out.returncode == 0, out.stderr


def cdk_image_app(root: Path, dockerfile: str) -> Path:
    """A CDK app with one DockerImageFunction, synthesized as `cdk synth` lays it out: the image
    folder copied into cdk.out/asset.<hash>/ beside the app's own image/ folder."""
    handler = "def handler(event, context):\n    return {'from': __file__}\n"
    for folder in (root / "image", root / "cdk.out" / "asset.abc123"):
        folder.mkdir(parents=True)
        (folder / "app.py").write_text(handler)
        (folder / "Dockerfile").write_text(dockerfile)
    (root / "app.py").write_text("# the CDK app\n")
    resource = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Code": {"ImageUri": {"Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}/x:abc123"}},
            "PackageType": "Image",
            "Role": {"Fn::GetAtt": ["ImageRole", "Arn"]},
            "Timeout": 20,
        },
        "Metadata": {
            "aws:cdk:path": "ImageStack/Image/Resource",
            "aws:asset:path": "asset.abc123",
            "aws:asset:dockerfile-path": "Dockerfile",
            "aws:asset:property": "Code.ImageUri",
        },
    }
    template = {"Resources": {"Image1234ABCD": resource}}
    (root / "cdk.out" / "ImageStack.template.json").write_text(json.dumps(template))
    manifest = {
        "version": "36.0.0",
        "artifacts": {
            "ImageStack": {
                "type": "aws:cloudformation:stack",
                "properties": {"templateFile": "ImageStack.template.json"},
            }
        },
    }
    (root / "cdk.out" / "manifest.json").write_text(json.dumps(manifest))
    return root


LAMBDA_IMAGE = """\
FROM public.ecr.aws/lambda/python:3.12
# the code, then its packages
COPY app.py \\
     ${LAMBDA_TASK_ROOT}/
CMD [ "app.handler" ]
"""


def test_cdk_image_function_runs_its_dockerfiles_code_from_the_apps_folder(
    tmp_path: Path,
) -> None:
    root = cdk_image_app(tmp_path / "app", LAMBDA_IMAGE)
    project = load_project(root)
    image = project.functions["ImageStack/Image"]
    assert (image.runtime, image.handler, image.timeout) == ("python3.12", "app.handler", 20)
    assert image.code_dir == root / "image"  # the app's folder, not the copy in cdk.out
    out = lamina("invoke", "ImageStack/Image", cwd=root)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"from": str(root / "image" / "app.py")}


@pytest.mark.parametrize(
    ("dockerfile", "reason"),
    [
        ("FROM python:3.12-slim\nCOPY app.py /app/\n", "its base image python:3.12-slim is not"),
        (
            'FROM public.ecr.aws/lambda/python:3.12\nCOPY app.py /opt/\nCMD ["app.handler"]\n',
            "Dockerfile copies nothing into ${LAMBDA_TASK_ROOT}",
        ),
        ("FROM public.ecr.aws/lambda/python:3.12\nCOPY app.py ./\n", "copies nothing"),
        ("FROM public.ecr.aws/lambda/python:3.11\nCOPY app.py /var/task\n", "no handler"),
    ],
)
def test_cdk_image_functions_lamina_cannot_run_are_named(
    tmp_path: Path, dockerfile: str, reason: str
) -> None:
    project = load_project(cdk_image_app(tmp_path / "app", dockerfile))
    assert "ImageStack/Image" not in project.functions
    (warning,) = [w for w in project.warnings if w.startswith("ImageStack/Image")]
    assert warning.startswith("ImageStack/Image: skipped: a container image function: ")
    assert reason in warning
