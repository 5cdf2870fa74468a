"""Dependencies are installed per interpreter (issue 16): two functions of one code dir and one
requirements.txt, on python3.9 and python3.12, each import from a folder built by and for its
own interpreter, and a second run of each reuses it."""

from __future__ import annotations

import json
from pathlib import Path

from test_runtime_interpreters import lamina, pyenv_python

HANDLER = """\
import sys, six
def handler(event, context):
    return {"version": "%d.%d" % sys.version_info[:2], "six": six.__file__}
"""
TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  OldFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src, Handler: app.handler, Runtime: python3.9}
  NewFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src, Handler: app.handler, Runtime: python3.12}
"""


def test_each_interpreter_gets_its_own_dependencies(tmp_path: Path) -> None:
    pyenv_python("3.9"), pyenv_python("3.12")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(HANDLER)
    (tmp_path / "src" / "requirements.txt").write_text("six\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    cache = tmp_path / ".lamina" / "state" / "cache"
    folders = {}
    for name, version in (("OldFunction", "3.9"), ("NewFunction", "3.12")):
        out = lamina("invoke", name, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        body = json.loads(out.stdout)
        assert body["version"] == version
        folder = Path(body["six"]).parent
        assert folder.parent == cache and folder.name.startswith("deps-")
        folders[name] = folder
    assert folders["OldFunction"] != folders["NewFunction"]
    assert sorted(cache.glob("deps-*")) == sorted(folders.values())
    again = lamina("invoke", "OldFunction", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert Path(json.loads(again.stdout)["six"]).parent == folders["OldFunction"]
    assert "installing" not in again.stderr  # built once per interpreter, then reused
