"""A function's `dynamic "environment"` block (as terraform-aws-modules/lambda writes it): its
content's variables are the function's environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.project import load_project

CONFIGURATION = """\
variable "variables" {
  default = { TABLE = "orders", MODE = "fast" }
}

data "archive_file" "code" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/code.zip"
}

resource "aws_lambda_function" "conditional" {
  function_name = "conditional"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = data.archive_file.code.output_path
  dynamic "environment" {
    for_each = length(keys(var.variables)) == 0 ? [] : [true]
    content {
      variables = var.variables
    }
  }
}

resource "aws_lambda_function" "counted" {
  count         = 2
  function_name = "counted-${count.index}"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = data.archive_file.code.output_path
  dynamic "environment" {
    for_each = { primary = "eu-west-1" }
    iterator = region
    content {
      variables = { REGION = region.value, NAME = region.key, INDEX = count.index }
    }
  }
}

resource "aws_lambda_function" "empty" {
  function_name = "empty"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = data.archive_file.code.output_path
  dynamic "environment" {
    for_each = []
    content {
      variables = { NEVER = "set" }
    }
  }
}
"""


def test_dynamic_environment_blocks_give_the_functions_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "main.tf").write_text(CONFIGURATION)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    project = load_project(tmp_path)
    functions = project.functions
    assert functions["conditional"].environment == {"TABLE": "orders", "MODE": "fast"}
    assert (
        "aws_lambda_function.conditional.dynamic.environment: for_each is not known here; "
        "read as one instance" in project.warnings
    )
    assert functions["counted[1]"].environment == {
        "REGION": "eu-west-1",
        "NAME": "primary",
        "INDEX": "1",
    }
    assert functions["empty"].environment == {}
