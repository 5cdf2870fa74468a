"""A function whose CodeUri is a .zip archive (SAM deploys it as it is; serverless-patterns'
api-sqs-lambda-python ships one): Lamina unpacks it into its cache and runs it from there."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lamina.project import read_template
from lamina.project.diagnostics import check_template

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  ZippedFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {code}
      Handler: index.handler
      Runtime: python{major}.{minor}
  PlainLambda:
    Type: AWS::Lambda::Function
    Properties:
      Code: {code}
      Handler: index.handler
      Runtime: python{major}.{minor}
      Role: arn:aws:iam::123456789012:role/r
"""

HANDLER = 'def handler(event, context):\n    return {"zipped": event["name"], "tag": TAG}\n'


def _project(tmp_path: Path, entries: dict[str, str], code: str = "src/index.zip") -> Path:
    archive = tmp_path / code
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w") as out:
        for name, text in entries.items():
            out.writestr(name, text)
    major, minor = sys.version_info[:2]
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(code=code, major=major, minor=minor))
    return tmp_path / "template.yaml"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LAMINA_CACHE_DIR", str(folder))
    return folder


def test_both_function_kinds_run_the_unpacked_archive(tmp_path: Path, cache: Path) -> None:
    template = _project(tmp_path / "app", {"index.py": HANDLER + "TAG = 1\n"})
    result = read_template(template)
    assert not [w for w in result.warnings if "skipped" in w], result.warnings
    sam, plain = result.functions
    assert sam.code_dir == plain.code_dir
    assert sam.code_dir.parent == cache / "zipped"
    assert (sam.code_dir / "index.py").read_text() == HANDLER + "TAG = 1\n"


def test_a_rebuilt_archive_is_unpacked_anew(tmp_path: Path, cache: Path) -> None:
    first = read_template(_project(tmp_path / "a", {"index.py": HANDLER + "TAG = 1\n"}))
    second = read_template(_project(tmp_path / "b", {"index.py": HANDLER + "TAG = 2\n"}))
    old, new = first.functions[0].code_dir, second.functions[0].code_dir
    assert old != new
    assert "TAG = 1" in (old / "index.py").read_text()
    assert "TAG = 2" in (new / "index.py").read_text()


def test_an_archive_escaping_its_folder_is_skipped_and_writes_nothing_outside(
    tmp_path: Path, cache: Path
) -> None:
    template = _project(tmp_path / "app", {"index.py": HANDLER, "../../escaped.py": "x = 1\n"})
    result = read_template(template)
    assert result.functions == []
    skipped = [w for w in result.warnings if "ZippedFunction: skipped:" in w]
    assert len(skipped) == 1
    assert "the code archive src/index.zip can't be unpacked" in skipped[0]
    assert not list(tmp_path.rglob("escaped.py"))
    unpacked = cache / "zipped"
    assert not unpacked.exists() or not any(unpacked.iterdir())  # no staging folder is left


def test_a_file_that_is_not_a_zip_is_skipped_with_the_reason(tmp_path: Path, cache: Path) -> None:
    app = tmp_path / "app"
    template = _project(app, {"index.py": HANDLER})
    (app / "src" / "index.zip").write_text("not an archive")
    result = read_template(template)
    assert result.functions == []
    assert any(
        w.startswith("PlainLambda: skipped: the code archive src/index.zip can't be unpacked")
        for w in result.warnings
    ), result.warnings


def test_lamina_invoke_runs_a_zipped_function(tmp_path: Path) -> None:
    """As a user runs it, with the default cache (the folder is named by the archive's hash)."""
    _project(tmp_path, {"index.py": HANDLER + f"TAG = {str(tmp_path)!r}\n"})
    (tmp_path / "event.json").write_text(json.dumps({"name": "archive"}))
    out = subprocess.run(
        [sys.executable, "-m", "lamina", "invoke", "ZippedFunction", "--event", "event.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"zipped": "archive", "tag": str(tmp_path)}
    assert "skipped" not in out.stderr


ONE_FILE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  OneFile:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/function.py
      Handler: function.lambda_handler
      Runtime: python3.12
"""


def test_a_codeuri_naming_one_file_runs_that_file_alone(tmp_path: Path, cache: Path) -> None:
    """cloudtrail-eventbridge-lambda-dynamodb-sam's shape: `sam deploy` zips the one file alone,
    so its siblings are not importable on AWS, and are not here either."""
    (tmp_path / "src").mkdir()
    source = tmp_path / "src" / "function.py"
    source.write_text("def lambda_handler(event, context):\n    return 1\n")
    (tmp_path / "src" / "sibling.py").write_text("x = 1\n")
    (tmp_path / "template.yaml").write_text(ONE_FILE)
    result = read_template(tmp_path / "template.yaml")
    assert not result.warnings, result.warnings
    code_dir = result.functions[0].code_dir
    assert code_dir.parent == cache / "single-file"
    assert sorted(p.name for p in code_dir.iterdir()) == ["function.py"]
    source.write_text("def lambda_handler(event, context):\n    return 2\n")
    again = read_template(tmp_path / "template.yaml").functions[0].code_dir
    assert again == code_dir
    assert "return 2" in (code_dir / "function.py").read_text()


def test_the_language_server_does_not_call_a_one_file_codeuri_missing(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "function.py").write_text("def lambda_handler(event, context): ...\n")
    template = tmp_path / "template.yaml"
    template.write_text(ONE_FILE)
    assert [d.code for d in check_template(template, ONE_FILE)] == []
    template.write_text(ONE_FILE.replace("src/function.py", "src/gone.py"))
    codes = [d.code for d in check_template(template, template.read_text())]
    assert codes == ["code-uri-missing"]
