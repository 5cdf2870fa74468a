"""`lamina` on a SAM project laid out as SAM users keep theirs: -t, samconfig, --config-env,
--parameter-overrides, nested applications; each mistake one line naming the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_cli import lamina

FIXTURE = Path(__file__).parent / "projects" / "sam-samconfig"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = tmp_path / "orders-app"
    shutil.copytree(FIXTURE, root)
    return root


def test_functions_lists_samconfig_template_and_nested_functions(app: Path) -> None:
    out = lamina("functions", "--json", cwd=app)
    assert out.returncode == 0, out.stderr
    rows = {row["logicalId"]: row for row in json.loads(out.stdout)}
    assert set(rows) == {"OrdersFunction", "ProdOnlyAuditFunction", "Payments/ChargeFunction"}
    assert rows["OrdersFunction"]["handlerFile"] == "src/orders/app.py:4"
    assert rows["Payments/ChargeFunction"]["handlerFile"] == "apps/payments/src/app.py:4"
    assert rows["Payments/ChargeFunction"]["functionName"] == "Payments-ChargeFunction"
    assert "Marketplace" in out.stderr and "Serverless Application Repository" in out.stderr


def test_invoke_reads_samconfig_and_the_command_line_wins(app: Path) -> None:
    out = lamina("invoke", "OrdersFunction", "-e", "order", cwd=app)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "table": "orders dev",
        "stage": "dev",
        "region": "us-east-1",
        "order": "o-1",
    }
    out = lamina(
        "invoke",
        "OrdersFunction",
        "--config-env",
        "prod",
        "--parameter-overrides",
        "TableName=from-cli",
        cwd=app,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert (result["table"], result["stage"], result["region"]) == (
        "from-cli",
        "prod",
        "eu-central-1",
    )


def test_invoke_a_nested_function_by_path_and_by_name(app: Path) -> None:
    for name in ("Payments/ChargeFunction", "Payments-ChargeFunction"):
        out = lamina("invoke", name, "--event", "-", cwd=app, stdin='{"amount": 7}')
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout) == {"charged": 7, "currency": "EUR", "stage": "payments-dev"}


def test_template_option_from_another_folder(app: Path, tmp_path: Path) -> None:
    out = lamina(
        "functions",
        "--json",
        "-t",
        str(app / "apps" / "payments" / "template.json"),
        "--project-dir",
        str(app),
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert [row["logicalId"] for row in json.loads(out.stdout)] == ["ChargeFunction"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-t", "missing.yaml"], "missing.yaml: no such template (from --template)"),
        (["--config-env", "qa"], "no environment 'qa' (environments here: default, prod)"),
        (["--parameter-overrides", "Stage"], "parameter override 'Stage' is not Key=Value"),
        (["--config-file", "nope.toml"], "nope.toml: no such samconfig file (from --config-file)"),
    ],
)
def test_each_mistake_is_one_line(app: Path, args: list[str], message: str) -> None:
    out = lamina("functions", *args, cwd=app)
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_new_adds_to_the_template_samconfig_names(app: Path) -> None:
    """Not a template.yaml at the root, which samconfig's template would hide."""
    out = lamina("new", "plain", "HelloFunction", cwd=app)
    assert out.returncode == 0, out.stderr
    assert "updated infra/template.yaml" in out.stdout
    assert not (app / "template.yaml").exists()
    assert "CodeUri: ../src/" in (app / "infra" / "template.yaml").read_text()
    out = lamina("invoke", "HelloFunction", "--event", "hello", cwd=app)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"message": "Hello, world!"}


def test_new_with_the_template_option(app: Path) -> None:
    nested = app / "apps" / "payments"
    (nested / "template.yaml").write_text("Transform: AWS::Serverless-2016-10-31\nResources: {}\n")
    out = lamina("new", "plain", "Refunds", "-t", str(nested / "template.yaml"), cwd=app)
    assert out.returncode == 0, out.stderr
    assert "updated apps/payments/template.yaml" in out.stdout
    assert "Refunds:" in (nested / "template.yaml").read_text()
    assert "Refunds:" not in (app / "infra" / "template.yaml").read_text()


@pytest.mark.parametrize("project", ["serverless-orders", "terraform-orders", "sam-json"])
def test_new_refuses_a_project_it_cannot_add_to_and_writes_nothing(
    project: str, tmp_path: Path
) -> None:
    if project == "sam-json":
        root = FIXTURE.parent / "sam-samconfig" / "apps" / "payments"
        project_file = "template.json"
    else:
        root = FIXTURE.parent / project
        project_file = "serverless.yml" if project.startswith("serverless") else "main.tf"
    copy = tmp_path / project
    shutil.copytree(root, copy)
    before = sorted(p.relative_to(copy) for p in copy.rglob("*"))
    out = lamina("new", "plain", "HelloFunction", cwd=copy)
    assert out.returncode == 2
    assert out.stderr.strip() == (
        f"error: {copy / project_file}: the project's functions are defined here, and Lamina "
        "adds new functions only to a SAM template in YAML: add the function to this file "
        "yourself"
    )
    assert sorted(p.relative_to(copy) for p in copy.rglob("*")) == before
