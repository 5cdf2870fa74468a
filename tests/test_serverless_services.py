"""serverless-compose.yml services, `${param:...}`, the plugins a service lists, and functions
kept in another file."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import lamina

from lamina.project import load_project

ORDERS = """\
service: orders
plugins:
  - serverless-python-requirements
  - serverless-offline
  - serverless-offline
  - serverless-my-company-plugin
custom:
  pythonRequirements:
    layer: true
  serverless-offline:
    httpPort: 4000
    host: 0.0.0.0
    prefix: /api/
params:
  default:
    level: INFO
  prod:
    level: WARN
provider:
  name: aws
  runtime: python3.12
  stage: ${opt:stage, 'dev'}
  environment:
    TABLE: ${param:table}
    LEVEL: ${param:level}
    QUEUE: ${param:queue, 'none'}
functions:
  create:
    handler: app.create
"""
BILLING = """\
service: billing
plugins:
  modules: [serverless-iam-roles-per-function]
provider: {name: aws, runtime: python3.12}
functions:
  charge:
    handler: pay.charge
"""
COMPOSE = """\
services:
  orders:
    path: orders
    params:
      table: orders-table
      queue: ${billing.queueUrl}
  billing:
    path: services/billing
    config: serverless.api.yml
  missing:
    path: nowhere
"""


def compose_project(root: Path) -> Path:
    (root / "orders").mkdir(parents=True)
    (root / "orders" / "serverless.yml").write_text(ORDERS)
    (root / "orders" / "app.py").write_text(
        "import os\n\ndef create(event, context):\n"
        "    return {k: os.environ[k] for k in ('TABLE', 'LEVEL', 'QUEUE')}\n"
    )
    billing = root / "services" / "billing"
    billing.mkdir(parents=True)
    (billing / "serverless.api.yml").write_text(BILLING)
    (billing / "pay.py").write_text("def charge(event, context):\n    return 'charged'\n")
    (root / "serverless-compose.yml").write_text(COMPOSE)
    return root


def test_each_compose_service_is_read_with_its_params(tmp_path: Path) -> None:
    root = compose_project(tmp_path)
    project = load_project(root, parameter_overrides={"stage": "prod"})
    assert project.template_path == root / "serverless-compose.yml"
    assert list(project.functions) == ["orders/create", "billing/charge"]
    create = project.functions["orders/create"]
    assert create.code_dir == root / "orders"
    assert create.function_name == "orders-prod-create"
    assert create.environment == {"TABLE": "orders-table", "LEVEL": "WARN", "QUEUE": "none"}
    assert project.functions["billing/charge"].code_dir == root / "services" / "billing"
    assert (
        "services.orders.params.queue: ${billing.queueUrl} is not resolved (another service's "
        "output, known once deployed)"
    ) in project.warnings
    assert f"services.missing: skipped: no serverless.yml in {root / 'nowhere'}" in (
        project.warnings
    )
    out = lamina("invoke", "orders/create", cwd=root)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"TABLE": "orders-table", "LEVEL": "INFO", "QUEUE": "none"}


def test_plugins_are_named_once_with_what_lamina_does_instead(tmp_path: Path) -> None:
    root = compose_project(tmp_path)
    warnings = load_project(root).warnings
    plugins = [w for w in warnings if w.partition(": ")[2].startswith(("plugins", "custom."))]
    assert plugins == [
        "orders: plugins: serverless-offline: not needed: `lamina api` serves the http and "
        "httpApi events (on its httpPort, when set), and `lamina serve` the Lambda API; its "
        "URLs differ from serverless-offline's: the http events' paths have no stage in front, "
        "no /api prefix, 127.0.0.1, not 0.0.0.0 (--host, with --allow-remote)",
        "orders: plugins: serverless-my-company-plugin is not run; what it changes when the "
        "service is packaged or deployed is not reproduced locally",
        "orders: custom.pythonRequirements.layer: the requirements layer is not built; "
        "requirements.txt is installed for each function as without it",
        "billing: plugins: serverless-iam-roles-per-function: its per-function roles are not "
        "assumed locally; runs use your credentials",
    ]


FUNCTIONS_IN_A_FILE = """\
service: split
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: sqs:*
          Resource: !Sub arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:jobs
functions: ${file(resources/functions.yml)}
"""
FUNCTIONS_FILE = """\
worker:
  handler: worker.run
  environment:
    QUEUE: !Ref JobsQueue
"""


def test_functions_from_a_file_with_cloudformation_tags(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(FUNCTIONS_IN_A_FILE)
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "functions.yml").write_text(FUNCTIONS_FILE)
    (tmp_path / "worker.py").write_text("def run(event, context):\n    return 1\n")
    project = load_project(tmp_path)
    assert list(project.functions) == ["worker"]
    assert project.functions["worker"].environment == {"QUEUE": json.dumps({"Ref": "JobsQueue"})}
    # CloudFormation's own ${AWS::Region} in a Fn::Sub is not a framework variable.
    assert not [w for w in project.warnings if "AWS::" in w]


def test_serverless_offline_settings_that_match_lamina_api_are_not_named() -> None:
    from lamina.project.serverless_plugins import plugin_warnings

    same = {"serverless-offline": {"noPrependStageInUrl": True, "httpPort": 3000}}
    assert plugin_warnings(["serverless-offline"], same) == [
        "plugins: serverless-offline: not needed: `lamina api` serves the http and httpApi "
        "events (on its httpPort, when set), and `lamina serve` the Lambda API"
    ]
    (default,) = plugin_warnings(["serverless-offline"], {})
    assert default.endswith(
        "its URLs differ from serverless-offline's: the http events' paths have no stage in front"
    )
