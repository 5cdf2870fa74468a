"""An archive_file whose files are written in the configuration (`source` blocks): written
into Lamina's cache as the zip would hold them, and run from there."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pytest import MonkeyPatch
from test_cli import lamina

from lamina.project import load_project

# Runs use the user's cache, so Lambda's runtime packages are installed once for every test;
# what the test reads in-process goes to its own folder.
SHARED_CACHE = {
    "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
}

CONFIGURATION = """\
variable "greeting" {
  default = "hello"
}

data "archive_file" "inline" {
  type        = "zip"
  output_path = "${path.module}/build/inline.zip"
  source {
    filename = "handler.py"
    content  = <<-PYTHON
      from helpers import shout


      def handler(event, context):
          return shout("${var.greeting}")
    PYTHON
  }
  source {
    filename = "helpers.py"
    content  = file("${path.module}/shared/helpers.py")
  }
}

resource "aws_lambda_function" "inline" {
  function_name = "inline"
  handler       = "handler.handler"
  runtime       = "python3.12"
  filename      = data.archive_file.inline.output_path
}

data "archive_file" "unknown" {
  type        = "zip"
  output_path = "${path.module}/build/unknown.zip"
  source {
    filename = "index.py"
    content  = templatefile("${path.module}/index.tpl", {})
  }
}

resource "aws_lambda_function" "unknown" {
  function_name = "unknown"
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = data.archive_file.unknown.output_path
}
"""


def test_source_blocks_are_written_and_run(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "app"
    (root / "shared").mkdir(parents=True)
    (root / "main.tf").write_text(CONFIGURATION)
    (root / "shared" / "helpers.py").write_text("def shout(text):\n    return text.upper()\n")
    project = load_project(root)
    assert list(project.functions) == ["inline"]
    code = project.functions["inline"].code_dir
    assert code.is_relative_to(tmp_path / "cache" / "lamina" / "inline")
    assert sorted(p.name for p in code.iterdir()) == ["handler.py", "helpers.py"]
    assert (code / "handler.py").read_text().startswith("from helpers import shout\n")
    assert (
        "aws_lambda_function.unknown: skipped: data.archive_file.unknown has no source_dir, "
        "source_file or source blocks Lamina can write"
    ) in project.warnings
    out = lamina("invoke", "inline", cwd=root, env=SHARED_CACHE)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == "HELLO"


def test_source_files_stay_in_their_folder(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    text = CONFIGURATION.replace('filename = "helpers.py"', 'filename = "../escaped.py"')
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "helpers.py").write_text("x = 1\n")
    (tmp_path / "main.tf").write_text(text)
    project = load_project(tmp_path)
    assert "inline" not in project.functions
    assert any("../escaped.py" in warning for warning in project.warnings)
    assert not (tmp_path / "cache" / "lamina" / "escaped.py").exists()
