"""Which changed files sync deploys for, and which reload the project (`lamina sync --watch`):
the same project files the language server reloads for, at the project's root."""

from __future__ import annotations

from pathlib import Path

from lamina.deploy.code_paths import CodePathIndex
from lamina.project.loader import load_project
from sync.sync_harness import write_project


def test_project_files_at_the_root_reload_and_code_files_deploy(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"Hello": {}})
    index = CodePathIndex(root, load_project(root).functions)
    for name in (
        "template.yaml",
        "pyproject.toml",
        "samconfig.toml",
        "serverless.yml",
        "main.tf",
        "prod.tfvars.json",
    ):
        assert index.is_project_file(str(root / name)), name
        assert index.functions_for(str(root / name)) == [], name
    code = root / "hello" / "app.py"
    assert not index.is_project_file(str(code))
    assert index.functions_for(str(code)) == ["Hello"]
    # Only the root's: a template inside a code dir is the function's file.
    assert not index.is_project_file(str(root / "hello" / "template.yaml"))
    assert index.functions_for(str(root / "hello" / "template.yaml")) == ["Hello"]
