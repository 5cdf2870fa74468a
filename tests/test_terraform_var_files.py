"""Terraform's -var-file as `--var-file`: read after terraform.tfvars and *.auto.tfvars, in the
order given, before -var values (`--parameter-overrides`), as Terraform orders them; and the
values Terraform itself gives: `terraform.workspace`, `path.root` in a module."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_cli import lamina

from lamina.project import ProjectError, load_project
from lamina.project.project_options import ProjectOptions

PROJECT = Path(__file__).parent / "projects" / "terraform-orders"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "orders"
    shutil.copytree(PROJECT, root)
    (root / "envs").mkdir()
    (root / "envs" / "prod.tfvars").write_text(
        'stage = "prod"\nlog_level = "WARN"\nmemory = 1024\n'
    )
    (root / "envs" / "eu.tfvars.json").write_text(json.dumps({"memory": 2048}))
    return root


def test_var_files_are_read_in_order_under_parameter_overrides(root: Path) -> None:
    options = ProjectOptions(
        var_files=(root / "envs" / "prod.tfvars", root / "envs" / "eu.tfvars.json"),
        parameter_overrides={"log_level": "ERROR"},
    )
    orders = load_project(root, options=options).functions["orders"]
    assert orders.function_name == "orders-prod-create"
    assert orders.memory_size == 2048  # the later file wins
    assert orders.environment["LOG_LEVEL"] == "ERROR"  # -var over every file
    assert orders.environment["STAGE"] == "prod"


def test_the_command_line_takes_var_files_relative_to_where_it_runs(root: Path) -> None:
    out = lamina("functions", "--json", "--var-file", "envs/prod.tfvars", cwd=root)
    assert out.returncode == 0, out.stderr
    orders = next(item for item in json.loads(out.stdout) if item["logicalId"] == "orders")
    assert (orders["functionName"], orders["memorySize"]) == ("orders-prod-create", 1024)


def test_a_missing_var_file_is_one_error_naming_it(root: Path) -> None:
    missing = root / "envs" / "none.tfvars"
    with pytest.raises(ProjectError) as error:
        load_project(root, options=ProjectOptions(var_files=(missing,)))
    assert (error.value.path, error.value.message) == (
        missing,
        "no such variables file (from --var-file or lamina.terraform.varFiles)",
    )
    out = lamina("functions", "--var-file", "envs/none.tfvars", cwd=root)
    assert out.returncode != 0
    assert "none.tfvars" in out.stderr and "Traceback" not in out.stderr


WORKSPACE_ROOT = """\
module "api" {
  source = "./modules/api"
}
"""
WORKSPACE_MODULE = """\
resource "aws_lambda_function" "handler" {
  function_name = "api-${terraform.workspace}"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "${path.root}/src"
  environment {
    variables = { MODULE = path.module }
  }
}
"""


def test_workspace_and_paths_as_terraform_gives_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    root = tmp_path / "app"
    (root / "modules" / "api").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "main.tf").write_text(WORKSPACE_ROOT)
    (root / "modules" / "api" / "main.tf").write_text(WORKSPACE_MODULE)
    spec = load_project(root).functions["module.api.handler"]
    assert spec.function_name == "api-default"
    assert spec.code_dir == root / "src"  # path.root: the root module's folder
    assert spec.environment == {"MODULE": str(root / "modules" / "api")}
    (root / ".terraform").mkdir()
    (root / ".terraform" / "environment").write_text("staging")  # terraform workspace select
    assert load_project(root).functions["module.api.handler"].function_name == "api-staging"
    monkeypatch.setenv("TF_WORKSPACE", "prod")
    assert load_project(root).functions["module.api.handler"].function_name == "api-prod"
