"""The Terraform reader's own HCL reading against python-hcl2's: the same values for every
construct, python-hcl2 called only for the items that need it, its errors at the file's line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lamina.project.spec import ProjectError
from lamina.project.terraform_config import _parse_hcl
from lamina.project.terraform_hcl import parse

PLAIN = """\
variable "stage" {
  type    = string
  default = "dev" # a comment
}
// another comment
locals {
  name    = "orders-${var.stage}-${ local.suffix }"
  numbers = [1, -2, 2.5, 007, true, false, null]
  map     = { A = "1", "B c" = 2, d: [], e = {} }
  escapes = "a\\"b\\\\c\\nd\\te"
  dollars = "costs $5 and 50%"
  index   = aws_x.y[0].arn
  bare    = string
  nested  = {
    inner = { deep = [{ q = 1 }, "x",] } /* block comment */
    other = "y"
  }
}
data "archive_file" "orders" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/orders.zip"
}
resource "aws_lambda_function" "orders" {
  function_name = "orders-${var.stage}"
  filename      = data.archive_file.orders.output_path
  handler       = "app.handler"
  environment {
    variables = {
      TABLE = aws_dynamodb_table.t.name
    }
  }
  dynamic "vpc_config" {
    for_each = var.vpc
    content {
      subnet_ids = vpc_config.value.subnets
    }
  }
  layers = []
}
resource "aws_lambda_function" "other" { handler = "b.handler" }
unlabelled { a = 1 }
"""

# Each of these needs python-hcl2: an operator, a call, a heredoc, a template directive, a for
# expression, an escape the fast reader leaves alone, a splat, a conditional, `$${`.
NOT_PLAIN = [
    "a = var.x + 1\n",
    'a = jsonencode({ Version = "2012-10-17" })\n',
    'a = <<EOF\nline "${var.x}"\n{\nEOF\n',
    'a = "%{if var.x}yes%{endif}"\n',
    "a = [for s in var.list : upper(s)]\n",
    "a = { for k, v in var.map : k => v }\n",
    'a = "\\u00e9"\n',
    "a = aws_x.y[*].arn\n",
    'a = var.x ? "a" : "b"\n',
    'a = "$${literal}"\n',
    'a = "${var.list[0]}-${join(",", var.list)}"\n',
    "a = 1e3\n",
]


class Slow:
    """python-hcl2, counting the texts handed to it."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, text: str, path: Path, first_line: int) -> dict[str, Any]:
        self.texts.append(text)
        return _parse_hcl(text, path, first_line)


def test_plain_configuration_reads_as_python_hcl2_reads_it_without_it() -> None:
    slow = Slow()
    assert parse(PLAIN, Path("main.tf"), slow) == _parse_hcl(PLAIN, Path("main.tf"))
    assert slow.texts == []


@pytest.mark.parametrize("item", NOT_PLAIN)
def test_other_items_go_to_python_hcl2_alone_in_their_place(item: str) -> None:
    resource = 'resource "aws_lambda_function" "x" {\n  handler = "a.b"\n}\n'
    text = PLAIN + item.replace("a = ", "before = ") + resource + f"locals {{\n  {item}}}\n"
    slow = Slow()
    assert parse(text, Path("main.tf"), slow) == _parse_hcl(text, Path("main.tf"))
    assert len(slow.texts) == 2  # the top-level attribute and the locals block, nothing else
    assert all(not part.startswith(("variable", "resource")) for part in slow.texts)


def test_an_error_in_one_item_is_python_hcl2s_at_the_files_line() -> None:
    text = PLAIN + 'resource "aws_lambda_function" "bad" {\n  handler = \n}\n'
    with pytest.raises(ProjectError) as error:
        parse(text, Path("main.tf"), Slow())
    with pytest.raises(ProjectError) as whole:
        _parse_hcl(text, Path("main.tf"))
    assert (error.value.message, error.value.line) == (whole.value.message, whole.value.line)
    assert error.value.line is not None and error.value.line > PLAIN.count("\n")


def test_a_heredoc_marker_followed_by_spaces_is_read_as_terraform_reads_it() -> None:
    text = 'resource "aws_iam_policy" "p" {\n  policy = <<POLICY\n{"a": 1}\nPOLICY  \n}\n'
    value = parse(text, Path("main.tf"), Slow())
    assert value["resource"][0]["aws_iam_policy"]["p"]["policy"].startswith("<<POLICY")


def test_duplicate_and_mixed_names_are_left_to_python_hcl2() -> None:
    text = "locals {\n  a = 1\n  a {\n  }\n}\nx = 1\nx = 2\n"
    slow = Slow()
    try:
        expected: Any = _parse_hcl(text, Path("main.tf"))
    except ProjectError as error:
        expected = error.message
    try:
        got: Any = parse(text, Path("main.tf"), slow)
    except ProjectError as error:
        got = error.message
    assert got == expected
    assert slow.texts  # never read by the fast path
