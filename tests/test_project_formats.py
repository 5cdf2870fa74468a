"""The CDK cloud assembly, Serverless Framework and Terraform readers, on projects laid out as
their users lay them out (tests/projects/), through `lamina` as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from test_cli import lamina

from lamina.project import ProjectError, load_project
from lamina.project.project_options import ProjectOptions
from lamina.runtime.package_set import cache_root

PROJECTS = Path(__file__).parent / "projects"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The Terraform parse cache goes to the test's own folder, not the user's ~/.cache; runs
    keep Lambda's runtime packages in the shared cache (installed once, not per test)."""
    monkeypatch.setenv("LAMINA_CACHE_DIR", str(cache_root()))
    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def copy_project(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(PROJECTS / name, root)
    return root


@pytest.fixture
def cdk_app(tmp_path: Path) -> Path:
    root = copy_project("cdk-orders", tmp_path)
    fresh = time.time() + 60  # synthesized after every source change
    os.utime(root / "cdk.out" / "manifest.json", (fresh, fresh))
    return root


# --- CDK -------------------------------------------------------------------------------------


def test_cdk_functions_by_construct_path_run_from_their_source_folders(cdk_app: Path) -> None:
    project = load_project(cdk_app)
    assert project.template_path == cdk_app / "cdk.out" / "manifest.json"
    assert list(project.functions) == [
        "OrdersStack/Orders",
        "OrdersStack/Generated",
        "OrdersStack/Payments/Charge",
    ]
    orders = project.functions["OrdersStack/Orders"]
    assert orders.code_dir == cdk_app / "lambda" / "orders"  # not cdk.out/asset.*
    assert (orders.timeout, orders.memory_size) == (10, 512)
    assert orders.environment == {"TABLE_NAME": "${Ref:TableCD117FA1}", "STAGE": "dev"}
    assert project.find("Orders5A7C1F2B") is orders  # the CloudFormation logical id
    # A bundled asset also holds installed packages; its own .py files still find the folder.
    charge = project.functions["OrdersStack/Payments/Charge"]
    assert charge.code_dir == cdk_app / "lambda" / "payments"
    assert not any("is older than" in w for w in project.warnings)


def test_cdk_asset_with_no_source_folder_runs_the_copy_and_says_so(cdk_app: Path) -> None:
    project = load_project(cdk_app)
    generated = project.functions["OrdersStack/Generated"]
    assert generated.code_dir.parent == cdk_app / "cdk.out"
    assert any(
        w.startswith("OrdersStack/Generated: no folder of the app holds the .py files")
        for w in project.warnings
    )


def test_cdk_source_edited_after_synth_still_matches_and_offers_synth(cdk_app: Path) -> None:
    handler = cdk_app / "lambda" / "orders" / "app.py"
    handler.write_text(handler.read_text() + "\n# edited after the last synth\n")
    later = time.time() + 120
    os.utime(handler, (later, later))
    project = load_project(cdk_app)
    assert project.functions["OrdersStack/Orders"].code_dir == handler.parent
    assert project.warnings[0] == (
        "cdk.out is older than lambda/orders/app.py: run `cdk synth` to refresh it "
        "(Lamina reads the assembly, and never synthesizes it by itself)"
    )


def test_cdk_broken_manifest_names_the_file(cdk_app: Path) -> None:
    manifest = cdk_app / "cdk.out" / "manifest.json"
    manifest.write_text('{"version": "36.0.0", "artifacts": [}')
    with pytest.raises(ProjectError) as error:
        load_project(cdk_app)
    assert error.value.path == manifest and "not a cloud assembly manifest" in str(error.value)


def test_cdk_invoke_and_functions_through_the_cli(cdk_app: Path) -> None:
    out = lamina("functions", "--json", cwd=cdk_app)
    assert out.returncode == 0, out.stderr
    rows = {row["logicalId"]: row for row in json.loads(out.stdout)}
    assert rows["OrdersStack/Orders"]["handlerFile"] == "lambda/orders/app.py:4"
    assert rows["OrdersStack/Orders"]["source"] == "cdk"
    assert rows["OrdersStack/Orders"]["codeUri"] == "lambda/orders"
    out = lamina("invoke", "OrdersStack/Orders", cwd=cdk_app)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["memory"] == "512" and result["stage"] == "dev"
    assert result["file"] == str(cdk_app / "lambda" / "orders" / "app.py")  # not the copy


# --- Serverless Framework ---------------------------------------------------------------------


def test_serverless_functions_with_provider_defaults_and_variables(tmp_path: Path) -> None:
    root = copy_project("serverless-orders", tmp_path)
    project = load_project(root)
    assert list(project.functions) == ["create", "report"]
    create = project.functions["create"]
    assert (create.handler, create.code_dir) == ("src/handlers/orders.create", root)
    assert create.function_name == "orders-dev-create"  # service-stage-key, as deployed
    assert (create.timeout, create.memory_size, create.runtime) == (10, 256, "python3.12")
    assert create.environment["TABLE_NAME"] == "orders-dev"
    assert create.environment["LOG_LEVEL"] == "DEBUG"  # from ${file(./config/dev.yml)}
    assert create.environment["REGION"] == "eu-west-1"
    assert create.environment["API_KEY"] == "${ssm:/orders/api-key}"
    assert create.source_line == 30
    report = project.find("orders-nightly-report")
    assert (report.logical_id, report.timeout, report.memory_size) == ("report", 6, 1024)
    assert "functions.legacy: skipped: runtime nodejs20.x is not a Python runtime" in (
        project.warnings
    )
    assert any("${ssm:/orders/api-key} is not resolved locally" in w for w in project.warnings)


def test_serverless_variables_fall_back_and_nest(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        "service: s\n"
        "provider: {name: aws, runtime: python3.12, stage: \"${opt:stage, 'qa'}\"}\n"
        "custom: {qa: {size: 512}}\n"
        "functions:\n"
        "  f:\n"
        "    handler: app.f\n"
        "    memorySize: ${self:custom.${sls:stage}.size}\n"
        '    environment: {A: "${env:LAMINA_UNSET_VARIABLE, ${self:service}}-x"}\n'
    )
    spec = load_project(tmp_path).functions["f"]
    assert (spec.function_name, spec.memory_size) == ("s-qa-f", 512)
    assert spec.environment == {"A": "s-x"}


@pytest.mark.parametrize(
    ("file_name", "text", "message"),
    [
        ("serverless.ts", "export default {}", "a configuration written as code is not read"),
        ("serverless.yml", "functions:\n  f: {runtime: python3.12}\n", "handler is missing"),
        ("serverless.yml", "functions:\n  f: {handler: a.b}\n  f: {handler: a.c}\n", "twice"),
        ("serverless.yml", "provider: {name: google}\n", "provider google is not AWS"),
    ],
)
def test_serverless_unreadable_constructs(
    tmp_path: Path, file_name: str, text: str, message: str
) -> None:
    (tmp_path / file_name).write_text(text)
    with pytest.raises(ProjectError, match=message) as error:
        load_project(tmp_path)
    assert error.value.path == tmp_path / file_name


def test_serverless_invoke_runs_from_the_service_folder(tmp_path: Path) -> None:
    root = copy_project("serverless-orders", tmp_path)
    out = lamina("invoke", "create", "--event", "-", cwd=root, stdin='{"body": "{}"}')
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "table": "orders-dev",
        "logLevel": "DEBUG",
        "region": "eu-west-1",
        "function": "orders-dev-create",
        "store": "dynamodb",  # `from src.lib.store import ...` works as it does on Lambda
        "body": "{}",
    }


# --- Terraform --------------------------------------------------------------------------------


def test_terraform_functions_from_archive_files_modules_and_tfvars(tmp_path: Path) -> None:
    root = copy_project("terraform-orders", tmp_path)
    project = load_project(root)
    assert list(project.functions) == ["orders", "report", "uploaded", "notifier"]
    orders = project.functions["orders"]
    assert orders.code_dir == root / "src" / "orders"  # archive_file.source_dir
    assert orders.function_name == "orders-dev-create"
    assert (orders.memory_size, orders.timeout) == (256, 15)
    assert orders.environment == {
        "TABLE_NAME": "${aws_dynamodb_table.orders.name}",
        "LOG_LEVEL": "DEBUG",  # terraform.tfvars
        "STAGE": "dev",
    }
    assert (orders.source_path, orders.source_line) == (root / "main.tf", 32)
    report = project.find("orders-report")
    assert report.code_dir == root / "src" / "report"  # archive_file.source_file's folder
    assert project.functions["notifier"].environment == {"CHANNEL": "email"}
    # s3_key of an aws_s3_object whose source is the archive: the archive's folder.
    assert project.functions["uploaded"].code_dir == root / "src" / "orders"
    warnings = "\n".join(project.warnings)
    assert "aws_lambda_function.prebuilt: skipped: the code is dist/prebuilt.zip" in warnings
    assert "module.network (./modules/network): no such folder" in warnings
    assert "${aws_dynamodb_table.orders.name} is not resolved" in warnings


def test_terraform_variables_from_the_environment(tmp_path: Path) -> None:
    root = copy_project("terraform-orders", tmp_path)
    out = lamina("invoke", "orders", cwd=root, env={"TF_VAR_stage": "prod"})  # cache: via env
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "table": "${aws_dynamodb_table.orders.name}",
        "logLevel": "DEBUG",
        "stage": "prod",
        "memory": "256",
    }


def test_terraform_parses_are_cached_by_content(tmp_path: Path, private_cache: Path) -> None:
    root = copy_project("terraform-orders", tmp_path)
    first = load_project(root)
    cached = sorted((private_cache / "lamina" / "hcl2").glob("*.json"))
    assert len(cached) == 3  # main.tf, variables.tf, terraform.tfvars
    again = load_project(root)
    assert again.functions == first.functions
    (root / "terraform.tfvars").write_text('log_level = "WARN"\n')
    assert load_project(root).functions["orders"].environment["LOG_LEVEL"] == "WARN"


def test_terraform_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_lambda_function" "f" {\n  handler = \n}\n')
    with pytest.raises(ProjectError) as error:
        load_project(tmp_path)
    assert error.value.path == tmp_path / "main.tf"
    assert error.value.message.startswith("invalid HCL")
    assert error.value.line in (2, 3)


def test_template_option_chooses_among_formats(tmp_path: Path) -> None:
    root = copy_project("terraform-orders", tmp_path)
    shutil.copy(PROJECTS / "serverless-orders" / "serverless.yml", root / "serverless.yml")
    shutil.copytree(PROJECTS / "serverless-orders" / "config", root / "config")
    # Both in one folder: serverless.yml comes before *.tf (formats.find_project_file's order).
    assert list(load_project(root).functions) == ["create", "report"]
    chosen = load_project(root, options=ProjectOptions(template=root / "serverless.yml"))
    assert list(chosen.functions) == ["create", "report"]
    chosen = load_project(root, options=ProjectOptions(template=root / "main.tf"))
    assert list(chosen.functions) == ["orders", "report", "uploaded", "notifier"]


def test_serverless_events_in_sams_shape(tmp_path: Path) -> None:
    root = copy_project("serverless-orders", tmp_path)
    project = load_project(root)
    assert project.functions["create"].template_events == {
        "HttpApi1": {"Type": "HttpApi", "Properties": {"Path": "/orders", "Method": "post"}}
    }
    assert project.functions["report"].template_events == {
        "Schedule1": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 day)"}}
    }


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"http": "GET items/{id}"}, ("Api", {"Path": "/items/{id}", "Method": "get"})),
        ({"httpApi": "*"}, ("HttpApi", {})),
        (
            {"sqs": {"arn": "arn:aws:sqs:us-east-1:1:q", "batchSize": 5}},
            ("SQS", {"Queue": "arn:aws:sqs:us-east-1:1:q", "BatchSize": 5}),
        ),
        (
            {"s3": {"bucket": "uploads", "event": "s3:ObjectRemoved:*"}},
            ("S3", {"Bucket": "uploads", "Events": "s3:ObjectRemoved:*"}),
        ),
        (
            {"stream": "arn:aws:kinesis:us-east-1:1:stream/s"},
            (
                "Kinesis",
                {"Stream": "arn:aws:kinesis:us-east-1:1:stream/s", "StartingPosition": "LATEST"},
            ),
        ),
        (
            {
                "stream": {
                    "arn": "arn:aws:dynamodb:us-east-1:1:table/t/stream/x",
                    "startingPosition": "TRIM_HORIZON",
                }
            },
            (
                "DynamoDB",
                {
                    "Stream": "arn:aws:dynamodb:us-east-1:1:table/t/stream/x",
                    "StartingPosition": "TRIM_HORIZON",
                },
            ),
        ),
        ({"sns": "alerts"}, ("SNS", {"Topic": "alerts"})),
        (
            {"eventBridge": {"pattern": {"source": ["shop"]}, "eventBus": "orders"}},
            ("EventBridgeRule", {"Pattern": {"source": ["shop"]}, "EventBusName": "orders"}),
        ),
    ],
)
def test_each_serverless_event_kind(tmp_path: Path, event: dict, expected: tuple) -> None:
    import yaml

    (tmp_path / "serverless.yml").write_text(
        yaml.safe_dump(
            {
                "service": "s",
                "provider": {"name": "aws", "runtime": "python3.12"},
                "functions": {
                    "f": {"handler": "app.f", "events": [event, {"websocket": "$connect"}]}
                },
            }
        )
    )
    project = load_project(tmp_path)
    ((name, mapped),) = project.functions["f"].template_events.items()
    assert (mapped["Type"], mapped["Properties"]) == expected
    assert name == f"{expected[0]}1"
    assert "functions.f.events[1]: websocket events are not mapped" in project.warnings


def test_sam_events_are_kept_resolved(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Parameters:\n  Route: {Type: String, Default: /items}\n"
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Handler: app.h\n      Runtime: python3.12\n"
        "      Events:\n        Get:\n          Type: HttpApi\n"
        "          Properties: {Path: !Ref Route, Method: get}\n"
    )
    assert load_project(tmp_path).functions["Fn"].template_events == {
        "Get": {"Type": "HttpApi", "Properties": {"Path": "/items", "Method": "get"}}
    }


def test_a_cdk_app_not_yet_synthesized_says_what_to_do(tmp_path: Path) -> None:
    root = copy_project("cdk-orders", tmp_path)
    shutil.rmtree(root / "cdk.out")
    out = lamina("functions", cwd=root)
    assert out.returncode == 0
    assert out.stderr.strip() == (
        f"lamina: no functions: {root} is a CDK app without cdk.out; run `cdk synth` first"
    )


def test_terraform_count_for_each_and_tf_json(tmp_path: Path) -> None:
    root = copy_project("terraform-counted", tmp_path)
    project = load_project(root)
    assert {key: spec.function_name for key, spec in project.functions.items()} == {
        "shard[0]": "shard-0",
        "shard[1]": "shard-1",
        'queue["billing"]': "queue-billing",
        'queue["shipping"]': "queue-shipping",
        'report["daily"]': "report-daily",
        'report["weekly"]': "report-weekly",
        "cleanup": "cleanup-dev",  # workers.tf.json
    }
    assert project.functions["shard[1]"].environment == {"SHARD": "1"}
    assert project.functions['queue["billing"]'].handler == "app.billing"  # each.value.handler
    cleanup = project.functions["cleanup"]
    assert (cleanup.code_dir, cleanup.timeout) == (root / "src" / "jobs", 30)
    assert (cleanup.source_path, cleanup.source_line) == (root / "workers.tf.json", 4)
    assert project.warnings == []
    out = lamina("invoke", "queue-shipping", cwd=root)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"queue": "shipping", "memory": "512"}  # each.value.memory


def test_terraform_count_it_cannot_know_is_named(tmp_path: Path) -> None:
    root = copy_project("terraform-counted", tmp_path)
    main = root / "main.tf"
    main.write_text(
        main.read_text()
        .replace("count         = var.shard_count", "count         = length(aws_sqs_queue.q)")
        .replace("for_each      = local.queues", "for_each      = var.queues")
    )
    project = load_project(root)
    assert not any(key.startswith(("shard", "queue")) for key in project.functions)
    warnings = "\n".join(project.warnings)
    assert "aws_lambda_function.shard: skipped: count" in warnings
    assert "aws_lambda_function.queue: skipped: for_each is not a known map" in warnings


def test_serverless_package_patterns_artifacts_and_layers(tmp_path: Path) -> None:
    root = copy_project("serverless-orders", tmp_path)
    config = root / "serverless.yml"
    text = config.read_text()
    assert "!tests/**" in text  # the service's patterns leave every handler packaged
    assert not [w for w in load_project(root).warnings if "package" in w or "layers" in w]
    text = text.replace(
        "    handler: src/handlers/orders.create\n",
        "    handler: src/handlers/orders.create\n"
        "    package:\n      patterns: ['!src/handlers/**', 'src/handlers/util.py']\n"
        "    layers:\n      - {Ref: CommonLambdaLayer}\n",
    ).replace(
        "    handler: src/handlers/orders.report\n",
        "    handler: src/handlers/orders.report\n    package: {artifact: dist/report.zip}\n",
    )
    config.write_text(text)
    project = load_project(root)
    assert list(project.functions) == ["create", "report"]  # still run, with a warning each
    assert (
        "functions.create: src/handlers/orders.py is left out by package.patterns "
        "'!src/handlers/**': deployed, the handler would not import"
    ) in project.warnings
    assert (
        "functions.create: layer {'Ref': 'CommonLambdaLayer'} is neither a layer of this service "
        "nor an ARN; left out"
    ) in project.warnings  # the service has no `layers:` section
    assert (
        "functions.report: package.artifact dist/report.zip is not run; Lamina runs the "
        "service folder's sources"
    ) in project.warnings
    # a later pattern puts the file back
    config.write_text(text.replace("'src/handlers/util.py'", "'src/handlers/orders.py'"))
    assert not [w for w in load_project(root).warnings if "left out by package" in w]
