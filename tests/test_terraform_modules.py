"""Terraform modules beyond local folders: registry and git modules that `terraform init`
installed (.terraform/modules/modules.json), counted modules (count, for_each), and functions
whose code is a zip built outside Terraform."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_cli import lamina
from test_project_constructs import API_MODULE

from lamina.project import load_project

# Runs use the user's cache, so Lambda's runtime packages are installed once for every test;
# what the test reads in-process goes to its own folder.
SHARED_CACHE = {
    "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
}


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def write_module(folder: Path) -> Path:
    (folder / "src").mkdir(parents=True)
    (folder / "main.tf").write_text(API_MODULE)
    (folder / "src" / "app.py").write_text(
        "import os\n\ndef create(event, context):\n    return {'stage': os.environ['STAGE']}\n"
    )
    return folder


def record_modules(root: Path, modules: dict[str, str]) -> None:
    """.terraform/modules/modules.json as `terraform init` writes it."""
    recorded = [{"Key": "", "Source": "", "Dir": "."}]
    recorded += [
        {"Key": key, "Source": f"git::https://example.com/{key}.git", "Dir": folder}
        for key, folder in modules.items()
    ]
    path = root / ".terraform" / "modules" / "modules.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"Modules": recorded}))


REMOTE_CALL = """\
module "api" {
  source  = "git::https://example.com/api.git?ref=v1"
  stage   = "prod"
}
"""


def test_an_installed_git_module_is_read_from_where_terraform_init_put_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "main.tf").write_text(REMOTE_CALL)
    installed = write_module(tmp_path / ".terraform" / "modules" / "api")
    record_modules(tmp_path, {"api": ".terraform/modules/api"})
    project = load_project(tmp_path)
    assert list(project.functions) == ["module.api.handler"]
    spec = project.functions["module.api.handler"]
    assert (spec.function_name, spec.code_dir) == ("api-prod", installed / "src")
    # The module's own registry module, not installed: named with its full address.
    assert (
        "module.api: module.remote (terraform-aws-modules/s3-bucket/aws): not installed: run "
        "`terraform init` so that .terraform/modules holds it; functions defined inside it are "
        "not listed"
    ) in project.warnings
    out = lamina("invoke", "module.api.handler", cwd=tmp_path, env=SHARED_CACHE)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"stage": "prod"}


def test_a_module_terraform_init_has_not_installed_is_named_once(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(REMOTE_CALL)
    out = lamina("functions", cwd=tmp_path)
    assert "no functions found" in out.stderr
    lines = [line for line in out.stderr.splitlines() if "module.api" in line]
    assert lines == [
        "lamina: warning: module.api (git::https://example.com/api.git?ref=v1): not installed: "
        "run `terraform init` so that .terraform/modules holds it; functions defined inside it "
        "are not listed"
    ]


COUNTED_CALLS = """\
module "api" {
  count  = 2
  source = "./modules/api"
  stage  = "s${count.index}"
}

module "regional" {
  for_each = { eu = 512, us = 1024 }
  source   = "./modules/api"
  stage    = each.key
  memory   = each.value
}
"""


def test_counted_modules_give_one_function_per_instance(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(COUNTED_CALLS)
    write_module(tmp_path / "modules" / "api")
    project = load_project(tmp_path)
    assert list(project.functions) == [
        "module.api[0].handler",
        "module.api[1].handler",
        'module.regional["eu"].handler',
        'module.regional["us"].handler',
    ]
    named = {spec.function_name: spec.memory_size for spec in project.functions.values()}
    assert named == {"api-s0": 128, "api-s1": 128, "api-eu": 512, "api-us": 1024}
    out = lamina("invoke", "api-us", cwd=tmp_path, env=SHARED_CACHE)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"stage": "us"}


PREBUILT_ZIPS = """\
resource "aws_lambda_function" "beside" {
  function_name = "beside"
  handler       = "worker.handler"
  runtime       = "python3.12"
  filename      = "${path.module}/build/worker.zip"
}

resource "aws_lambda_function" "named" {
  function_name = "named"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "orders.zip"
}

resource "aws_lambda_function" "nothing" {
  function_name = "nothing"
  handler       = "gone.handler"
  runtime       = "python3.12"
  filename      = "gone.zip"
}
"""


def test_a_zip_built_outside_terraform_runs_from_the_sources_beside_it(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(PREBUILT_ZIPS)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "worker.py").write_text("def handler(e, c):\n    return 'worker'\n")
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "app.py").write_text("def handler(e, c):\n    return 'orders'\n")
    project = load_project(tmp_path)
    assert list(project.functions) == ["beside", "named"]
    assert project.functions["beside"].code_dir == tmp_path / "build"
    assert project.functions["named"].code_dir == tmp_path / "orders"  # orders.zip -> orders/
    assert any(
        w.startswith("aws_lambda_function.named: the code is orders.zip, a zip built outside")
        for w in project.warnings
    )
    assert (
        "aws_lambda_function.nothing: skipped: the code is gone.zip (a zip built outside "
        "Terraform) and no folder beside it holds gone.py; use an archive_file with source_dir"
    ) in project.warnings
    out = lamina("invoke", "named", cwd=tmp_path, env=SHARED_CACHE)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == "orders"


LAMBDA_MODULE_FROM_GIT = """\
module "orders" {
  source        = "github.com/terraform-aws-modules/terraform-aws-lambda?ref=9acd322"
  function_name = "orders"
  handler       = "app.handler"
  runtime       = "python3.12"
  source_path   = "${path.module}/src"
}

module "deps_layer" {
  source       = "git::https://github.com/terraform-aws-modules/terraform-aws-lambda.git?ref=v7"
  create_layer = true
  layer_name   = "deps"
  source_path  = "${path.module}/layer"
}
"""


def test_the_lambda_module_from_its_repository_is_read_from_its_arguments(
    tmp_path: Path,
) -> None:
    (tmp_path / "main.tf").write_text(LAMBDA_MODULE_FROM_GIT)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    project = load_project(tmp_path)
    assert list(project.functions) == ["orders"]  # the layer module makes no function
    assert project.functions["orders"].code_dir == tmp_path / "src"
    assert not [w for w in project.warnings if "deps_layer" in w or "not installed" in w]


COMMITTED_ZIPS = """\
resource "aws_lambda_function" "committed" {
  function_name = "committed"
  handler       = "pkg.app.handler"
  runtime       = "python3.12"
  filename      = "${path.module}/dist/committed.zip"
}

resource "aws_lambda_function" "broken" {
  function_name = "broken"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "dist/broken.zip"
}
"""


def test_a_committed_zip_with_no_sources_beside_it_runs_unpacked(tmp_path: Path) -> None:
    import zipfile

    (tmp_path / "main.tf").write_text(COMMITTED_ZIPS)
    (tmp_path / "dist").mkdir()
    with zipfile.ZipFile(tmp_path / "dist" / "committed.zip", "w") as archive:
        archive.writestr("pkg/__init__.py", "")
        archive.writestr("pkg/app.py", "def handler(e, c):\n    return {'from': 'zip', **e}\n")
    (tmp_path / "dist" / "broken.zip").write_bytes(b"not a zip at all")
    project = load_project(tmp_path)
    assert list(project.functions) == ["committed"]
    code_dir = project.functions["committed"].code_dir
    assert (code_dir / "pkg" / "app.py").is_file()
    assert tmp_path / "xdg-cache" in code_dir.parents  # the per-user cache, not the project
    assert any(
        w.startswith(
            "aws_lambda_function.committed: the code is only "
            f"{tmp_path}/dist/committed.zip, a zip built outside Terraform; running it unpacked"
        )
        for w in project.warnings
    ), project.warnings
    broken = [w for w in project.warnings if w.startswith("aws_lambda_function.broken")]
    assert len(broken) == 1, project.warnings  # one clear refusal
    assert broken[0].startswith(
        "aws_lambda_function.broken: skipped: the code archive dist/broken.zip can't be unpacked: "
    )
    out = lamina("invoke", "committed", "-e", "-", stdin='{"n": 1}', cwd=tmp_path, env=SHARED_CACHE)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"from": "zip", "n": 1}
