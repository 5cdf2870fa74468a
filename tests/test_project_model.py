"""The project model: load_project over template + pyproject, settings, and Project.find."""

from __future__ import annotations

from pathlib import Path

import pytest
from text_files import write

from lamina.project import (
    FunctionSpec,
    ProjectError,
    SampleEvent,
    load_project,
    read_lamina_settings,
)
from lamina.project.spec import DEFAULT_ROLE, LOCAL_RUNTIME

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello_world/
      Handler: app.lambda_handler
      FunctionName: !Sub "${AWS::StackName}-hello"
  Shared:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: shared/
      Handler: app.handler
"""

PYPROJECT = """\
[project]
name = "shop"

[tool.lamina]
python = ".venv/bin/python"
runtimeClient = "awslambdaric"
defaultEvent = "event"

[tool.lamina.sync]
stackName = "shop-dev"

[tool.lamina.functions.Orders]
handler = "orders.api.create"
code-uri = "src"
function_name = "orders-create"
runtime = "python3.11"
timeout = 30
memory = 512
role = "arn:aws:iam::111122223333:role/orders"
architectures = ["arm64"]
environment = { TABLE = "orders", RETRIES = 3, DEBUG = true }

[tool.lamina.functions."Shared"]
handler = "other.handler"

[tool.lamina.functions.Minimal]
handler = "main.handler"
timout = 4
"""


HANDLER = "def lambda_handler(event, context):\n    return event\n"


@pytest.fixture
def project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    write(tmp_path / "template.yaml", TEMPLATE)
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "hello_world" / "app.py", HANDLER)
    write(tmp_path / "shared" / "app.py", "def handler(event, context):\n    return 1\n")
    write(tmp_path / "src" / "orders" / "__init__.py", "")
    write(tmp_path / "src" / "orders" / "api.py", "async def create(event, context):\n    ...\n")
    write(tmp_path / "events" / "event.json", "{}")
    write(tmp_path / "hello_world" / "events" / "event.json", '{"own": true}')
    write(tmp_path / "hello_world" / "events" / "get.json", "{}")
    return tmp_path


def test_load_project_merges_template_and_pyproject(project_root: Path) -> None:
    project = load_project(project_root)
    assert project.root == project_root
    assert project.template_path == project_root / "template.yaml"
    assert project.pyproject_path == project_root / "pyproject.toml"
    assert list(project.functions) == ["HelloWorldFunction", "Shared", "Orders", "Minimal"]
    assert project.settings == {
        "python": ".venv/bin/python",
        "runtimeClient": "awslambdaric",
        "defaultEvent": "event",
        "sync": {"stackName": "shop-dev"},
    }
    assert project.warnings == [
        "[tool.lamina.functions.Minimal]: unknown key 'timout' (ignored)",
        "[tool.lamina.functions.Shared]: Shared is also in template.yaml; "
        "the template's definition is used",
    ]


def test_template_function_uses_the_stack_name_setting(project_root: Path) -> None:
    project = load_project(project_root)
    hello = project.functions["HelloWorldFunction"]
    assert hello.function_name == "shop-dev-hello"
    assert load_project(project_root, stack_name="other").functions[
        "HelloWorldFunction"
    ].function_name == ("other-hello")
    assert project.functions["Shared"].handler == "app.handler"
    assert project.functions["Shared"].source == "template"


def test_pyproject_function_values(project_root: Path) -> None:
    orders = load_project(project_root).functions["Orders"]
    assert orders == FunctionSpec(
        logical_id="Orders",
        handler="orders.api.create",
        code_dir=project_root / "src",
        function_name="orders-create",
        runtime="python3.11",
        timeout=30,
        memory_size=512,
        environment={"TABLE": "orders", "RETRIES": "3", "DEBUG": "true"},
        role="arn:aws:iam::111122223333:role/orders",
        architectures=["arm64"],
        events=[SampleEvent("event", project_root / "events" / "event.json")],
        source="pyproject",
        source_path=project_root / "pyproject.toml",
        source_line=PYPROJECT.splitlines().index("[tool.lamina.functions.Orders]") + 1,
    )


def test_pyproject_defaults(project_root: Path) -> None:
    minimal = load_project(project_root).functions["Minimal"]
    assert minimal.code_dir == project_root
    assert minimal.function_name == "Minimal"
    assert minimal.runtime == LOCAL_RUNTIME
    assert (minimal.timeout, minimal.memory_size) == (3, 128)
    assert minimal.role == DEFAULT_ROLE
    assert minimal.environment == {}
    assert minimal.architectures == ["x86_64"]


def test_events_are_filled_with_own_events_first(project_root: Path) -> None:
    hello = load_project(project_root).functions["HelloWorldFunction"]
    own = project_root / "hello_world" / "events"
    assert hello.events == [
        SampleEvent("event", own / "event.json"),
        SampleEvent("get", own / "get.json"),
    ]


def test_find_by_logical_id_function_name_and_target(
    project_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = load_project(project_root)
    hello = project.functions["HelloWorldFunction"]
    assert project.find("HelloWorldFunction") is hello
    assert project.find("shop-dev-hello") is hello
    assert project.find("orders-create") is project.functions["Orders"]
    # A target naming a known function's handler is that function, template settings and all.
    assert project.find("hello_world/app.py:lambda_handler", cwd=project_root) is hello
    assert project.find("app.py", cwd=project_root / "hello_world") is hello
    assert (
        project.find("src/orders/api.py:create", cwd=project_root / "src")
        is (project.functions["Orders"])
    )
    monkeypatch.chdir(project_root / "hello_world")
    assert project.find("app.py:lambda_handler") is hello


def test_find_unknown_target_makes_a_spec_with_project_events(project_root: Path) -> None:
    write(project_root / "tools" / "job.py", "def run(event, context):\n    pass\n")
    project = load_project(project_root)
    spec = project.find("tools/job.py:run", cwd=project_root / "elsewhere")
    assert spec.logical_id == "job-run"
    assert spec.handler == "job.run"
    assert spec.code_dir == project_root / "tools"
    assert spec.source == "target"
    assert spec.events == [SampleEvent("event", project_root / "events" / "event.json")]
    assert "job-run" not in project.functions


def test_find_unknown_name_lists_known_functions(project_root: Path) -> None:
    project = load_project(project_root)
    with pytest.raises(ProjectError) as caught:
        project.find("Nope")
    assert str(caught.value) == (
        "unknown function 'Nope' (known: HelloWorldFunction, Shared, Orders, Minimal)"
    )


def test_find_a_near_miss_or_a_handler_string_says_what_was_meant(project_root: Path) -> None:
    project = load_project(project_root)
    with pytest.raises(ProjectError) as caught:
        project.find("HelloWorldFunc")
    assert str(caught.value).startswith(
        "unknown function 'HelloWorldFunc' (did you mean HelloWorldFunction? known: "
    )
    handler = project.functions["Orders"].handler
    owners = [n for n, spec in project.functions.items() if spec.handler == handler]
    with pytest.raises(ProjectError) as caught:
        project.find(handler)
    assert str(caught.value) == (
        f"unknown function '{handler}' (it is the handler of {', '.join(owners)}: "
        "name the function)"
    )


def test_find_in_a_large_project_names_close_matches_only(tmp_path: Path) -> None:
    functions = "".join(
        f"  Fn{i:02d}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: .\n      Handler: app.handler\n      Runtime: python3.12\n"
        for i in range(20)
    )
    (tmp_path / "template.yaml").write_text("Resources:\n" + functions)
    with pytest.raises(ProjectError) as caught:
        load_project(tmp_path).find("Fn1")
    message = str(caught.value)
    assert "did you mean" in message and "20 functions: `lamina functions` lists them" in message
    assert "Fn19" not in message.split("did you mean", 1)[0]


def test_find_in_an_empty_project(tmp_path: Path) -> None:
    project = load_project(tmp_path)
    assert project.functions == {}
    assert project.warnings == []
    assert project.settings == {}
    with pytest.raises(ProjectError) as caught:
        project.find("Hello")
    assert str(caught.value) == (
        "unknown function 'Hello' (this project defines no functions; use path/to/file.py:function)"
    )


def test_find_missing_target_file(tmp_path: Path) -> None:
    project = load_project(tmp_path)
    with pytest.raises(ProjectError) as caught:
        project.find("nope.py:handler", cwd=tmp_path)
    assert str(caught.value) == f"{tmp_path / 'nope.py'}: no such file"


def test_pyproject_without_lamina_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    project = load_project(tmp_path)
    assert project.functions == {}
    assert project.settings == {}
    assert read_lamina_settings(tmp_path) == {}


def test_read_lamina_settings_drops_functions(project_root: Path) -> None:
    settings = read_lamina_settings(project_root)
    assert "functions" not in settings
    assert settings["runtimeClient"] == "awslambdaric"


def test_invalid_toml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.lamina]\npython = ".venv\n')
    with pytest.raises(ProjectError) as caught:
        load_project(tmp_path)
    assert caught.value.path == path
    assert caught.value.line == 2
    assert caught.value.message.startswith("invalid TOML: ")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('code_uri = "src"', "'handler' is missing (expected something like 'app.lambda_handler')"),
        ("handler = 3", "'handler' must be a string like 'app.lambda_handler', not 3"),
        ('handler = "a.b"\ntimeout = "10"', "'timeout' must be a whole number, not '10'"),
        ('handler = "a.b"\nruntime = "nodejs20.x"', "runtime 'nodejs20.x' is not a Python runtime"),
        ('handler = "a.b"\nenvironment = "X=1"', "'environment' must be a table, not 'X=1'"),
        (
            'handler = "a.b"\narchitectures = ["x86_64", "arm64"]',
            "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to "
            "satisfy constraint: Member must have length less than or equal to 1",
        ),
    ],
)
def test_broken_pyproject_functions(tmp_path: Path, table: str, message: str) -> None:
    path = write(tmp_path / "pyproject.toml", f"[tool.lamina.functions.Fn]\n{table}\n")
    with pytest.raises(ProjectError) as caught:
        load_project(tmp_path)
    assert (caught.value.path, caught.value.line) == (path, 1)
    assert caught.value.message == f"[tool.lamina.functions.Fn]: {message}"


def test_broken_template_stops_loading(tmp_path: Path) -> None:
    path = write(tmp_path / "template.yaml", "Resources:\n  A:\n    Type: [\n")
    with pytest.raises(ProjectError) as caught:
        load_project(tmp_path)
    assert caught.value.path == path
    assert caught.value.line == 4


SKIPPED_ONLY = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  NodeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: index.handler
      Runtime: nodejs20.x
  OtherNodeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: index.handler
      Runtime: nodejs20.x
"""


def test_a_template_whose_functions_are_all_skipped_says_why(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "template.yaml").write_text(SKIPPED_ONLY)
    lamina = [sys.executable, "-m", "lamina"]
    listed = subprocess.run(
        [*lamina, "functions", "--project-dir", str(tmp_path)], capture_output=True, text=True
    )
    assert "NodeFunction: skipped: Runtime nodejs20.x is not a Python runtime" in listed.stderr
    assert "OtherNodeFunction: skipped: Runtime nodejs20.x" in listed.stderr
    assert "template.yaml defines 2, all skipped" in listed.stderr
    assert "no functions found" not in listed.stderr
    run = subprocess.run(
        [*lamina, "invoke", "NodeFunction", "--project-dir", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1] == (
        "error: function 'NodeFunction' is skipped: Runtime nodejs20.x is not a Python runtime"
    )
