"""Terraform conditionals, merge(...) and templatefile(...) in a function's attributes: what
local values decide is resolved as Terraform would; what they can't is named in one warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.project import load_project

CONFIGURATION = """\
variable "stage" {
  default = "prod"
}

variable "legacy" {
  default = false
}

locals {
  is_prod = var.stage == "prod"
  common  = { SERVICE = "orders", STAGE = var.stage }
}

resource "aws_lambda_function" "orders" {
  function_name = "orders-${var.stage}"
  filename      = "src"
  handler       = var.legacy ? "old.handler" : "app.handler"
  runtime       = local.is_prod && !var.legacy ? "python3.12" : "python3.11"
  memory_size   = var.stage == "prod" ? 1024 : 128
  environment {
    variables = merge(local.common, {
      GREETING = templatefile("${path.module}/greeting.tpl", { name = var.stage, n = 2 })
      TABLE    = aws_dynamodb_table.orders.name
    })
  }
}

resource "aws_lambda_function" "unknown" {
  function_name = "unknown"
  filename      = "src"
  handler       = "app.handler"
  runtime       = "python3.12"
  memory_size   = aws_ssm_parameter.size.value == "big" ? 2048 : 128
  environment {
    variables = {
      UPPER = upper(var.stage)
      BODY  = templatefile("greeting-loop.tpl", { names = ["a"] })
    }
  }
}
"""


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def _project(folder: Path) -> Path:
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "app.py").write_text("def handler(e, c):\n    return 1\n")
    (folder / "main.tf").write_text(CONFIGURATION)
    (folder / "greeting.tpl").write_text("Hello ${name}, ${n} times; $${kept}")
    (folder / "greeting-loop.tpl").write_text("%{ for n in names }${n}%{ endfor }")
    return folder


def test_conditionals_merge_and_templatefile_resolve_from_local_values(tmp_path: Path) -> None:
    project = load_project(_project(tmp_path))
    orders = project.functions["orders"]
    assert orders.function_name == "orders-prod"
    assert orders.handler == "app.handler"
    assert orders.runtime == "python3.12"
    assert orders.memory_size == 1024
    assert orders.environment == {
        "SERVICE": "orders",
        "STAGE": "prod",
        "GREETING": "Hello prod, 2 times; ${kept}",
        "TABLE": "${aws_dynamodb_table.orders.name}",
    }
    assert (
        "aws_lambda_function.orders.environment.variables: ${aws_dynamodb_table.orders.name} "
        "is not resolved (a value only known once applied)"
    ) in project.warnings


def test_the_other_side_of_a_conditional_follows_the_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TF_VAR_stage", "dev")
    monkeypatch.setenv("TF_VAR_legacy", "true")
    project = load_project(_project(tmp_path / "app"))
    orders = project.functions["orders"]
    assert (orders.handler, orders.runtime, orders.memory_size) == (
        "old.handler",
        "python3.11",
        128,
    )
    assert orders.environment["GREETING"] == "Hello dev, 2 times; ${kept}"


def test_what_local_values_cannot_decide_is_named_once(tmp_path: Path) -> None:
    project = load_project(_project(tmp_path))
    unknown = project.functions["unknown"]
    assert unknown.memory_size == 128  # the default: the condition is known only once applied
    about = [w for w in project.warnings if w.startswith("aws_lambda_function.unknown")]
    assert about == [
        "aws_lambda_function.unknown.memory_size: "
        '${aws_ssm_parameter.size.value == "big" ? 2048 : 128} is not resolved '
        "(${aws_ssm_parameter.size.value} is not known here)",
        "aws_lambda_function.unknown.environment.variables.UPPER: ${upper(var.stage)} is not "
        "resolved (the function upper(...) is not read)",
        "aws_lambda_function.unknown.environment.variables.BODY: "
        '${templatefile("greeting-loop.tpl", {names = ["a"]})} is not resolved '
        "(template directives (%{...}) are not read)",
    ], project.warnings
    assert unknown.environment["UPPER"] == "${upper(var.stage)}"


def test_remote_state_and_module_outputs_are_named_as_not_resolved(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(e, c):\n    return 1\n")
    (tmp_path / "main.tf").write_text(
        """\
data "terraform_remote_state" "network" {
  backend = "s3"
}

resource "aws_lambda_function" "orders" {
  function_name = "orders"
  filename      = "src"
  handler       = "app.handler"
  runtime       = "python3.12"
  environment {
    variables = {
      VPC   = data.terraform_remote_state.network.outputs.vpc_id
      QUEUE = module.queues.url
    }
  }
}
"""
    )
    project = load_project(tmp_path)
    assert project.functions["orders"].environment == {
        "VPC": "${data.terraform_remote_state.network.outputs.vpc_id}",
        "QUEUE": "${module.queues.url}",
    }
    where = "aws_lambda_function.orders.environment.variables"
    assert [w for w in project.warnings if w.startswith(where)] == [
        f"{where}.VPC: ${{data.terraform_remote_state.network.outputs.vpc_id}} is not resolved "
        "(remote state is not read)",
        f"{where}.QUEUE: ${{module.queues.url}} is not resolved (module outputs are not read)",
    ], project.warnings
