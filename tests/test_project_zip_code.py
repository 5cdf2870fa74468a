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
