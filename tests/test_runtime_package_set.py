"""The runtime's package set: an environment imports what Lambda's Python runtime gives it, in
Lambda's order, and nothing of Lamina's virtualenv, the interpreter's site-packages or the shell.

Real environments throughout (a pool of child processes behind the Runtime API), and the real CLI
for the `--python` cases. The package set itself is installed from PyPI once per Python version
into ~/.cache/lamina/runtime/ (shared by runs); these tests use that cache as a developer would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lamina.runtime.config import FunctionConfig, RuntimeOptions
from lamina.runtime.invocation import InvocationRequest, InvocationResult
from lamina.runtime.package_set import DURABLE_RUNTIME_SDK, RUNTIME_SDK, runtime_packages
from lamina.runtime.pool import RuntimePool

REPORT = """
import os, sys
def handler(event, context):
    import boto3
    return {
        "sys_path": sys.path,
        "boto3_version": boto3.__version__,
        "boto3_file": boto3.__file__,
        "pythonpath": os.environ.get("PYTHONPATH"),
        "runtime_dir": os.environ.get("LAMBDA_RUNTIME_DIR"),
        "version": "%d.%d" % sys.version_info[:2],
    }
"""


async def invoke(config: FunctionConfig, options: RuntimeOptions | None = None) -> InvocationResult:
    async with RuntimePool(options or RuntimeOptions()) as pool:
        return await pool.invoke(config, InvocationRequest.from_json({}))


def payload(result: InvocationResult) -> Any:
    assert result.ok, result.payload
    return json.loads(result.payload)


@pytest.mark.parametrize("module", ["yaml", "lamina", "pygls", "moto"])
async def test_what_lamina_has_is_an_undeclared_import(module: str, write_function: Any) -> None:
    config = write_function(f"import {module}\ndef handler(event, context):\n    return 1\n")
    result = await invoke(config)
    assert not result.ok
    assert json.loads(result.payload) == {
        "errorMessage": f"Unable to import module 'app': No module named '{module}'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }


async def test_sys_path_is_lambdas_order(write_function: Any, tmp_path: Path) -> None:
    deps = tmp_path / "deps"
    deps.mkdir()
    config = write_function(REPORT, extra_paths=(deps,))
    body = payload(await invoke(config))
    packages = runtime_packages(sys.executable)
    assert body["sys_path"][:4] == [
        str(config.code_dir),
        str(deps),
        str(packages.site_packages),
        str(packages.runtime_dir),
    ]
    # Then the standard library and nothing else: no site-packages of any interpreter.
    stdlib = body["sys_path"][4:]
    assert stdlib and all(Path(p).is_relative_to(sys.base_prefix) for p in stdlib), stdlib
    assert not any("site-packages" in p for p in stdlib), stdlib
    assert body["pythonpath"] is None
    assert body["runtime_dir"] == str(packages.runtime_dir)
    assert body["boto3_version"] == RUNTIME_SDK["boto3"]
    assert Path(body["boto3_file"]).is_relative_to(packages.site_packages)


async def test_a_bundled_boto3_wins_over_the_runtimes(write_function: Any) -> None:
    config = write_function(
        "import boto3\ndef handler(event, context):\n    return boto3.__version__\n",
        files={"boto3/__init__.py": "__version__ = 'bundled'\n"},
    )
    assert payload(await invoke(config)) == "bundled"


async def test_the_shells_pythonpath_does_not_leak_but_the_functions_own_counts(
    write_function: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = """
import importlib.util
def handler(event, context):
    return [importlib.util.find_spec(m) is not None for m in ("from_shell", "from_function")]
"""
    plain = write_function(source, files={"vendor/from_function.py": "VALUE = 1\n"})
    shell_dir, function_dir = tmp_path / "shell", plain.code_dir / "vendor"
    shell_dir.mkdir()
    (shell_dir / "from_shell.py").write_text("VALUE = 1\n")
    monkeypatch.setenv("PYTHONPATH", str(shell_dir))
    monkeypatch.setenv("PYTHONSTARTUP", str(shell_dir / "from_shell.py"))
    assert payload(await invoke(plain)) == [False, False]
    # A function that sets PYTHONPATH itself (to a folder of its code) gets it, as on Lambda.
    own = write_function(source, environment=(("PYTHONPATH", str(function_dir)),))
    assert payload(await invoke(own)) == [False, True]


async def test_awslambdaric_gets_the_same_sys_path(write_function: Any) -> None:
    config = write_function(REPORT)
    body = payload(await invoke(config, RuntimeOptions(runtime_client="awslambdaric")))
    packages = runtime_packages(sys.executable)
    assert body["sys_path"][:3] == [
        str(config.code_dir),
        str(packages.site_packages),
        str(packages.runtime_dir),
    ]
    assert body["boto3_version"] == RUNTIME_SDK["boto3"]


def _pyenv_python(version: str) -> str:
    path = Path.home() / ".pyenv" / "versions"
    found = sorted(path.glob(f"{version}.*/bin/python{version}")) if path.is_dir() else []
    if not found:
        pytest.skip(f"no Python {version} under ~/.pyenv/versions on this machine")
    return str(found[-1])


def lamina(*args: str, cwd: Path, stdin: str = "{}") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "AKIADEVELOPER", "AWS_SECRET_ACCESS_KEY": "dev-secret"})
    return subprocess.run(
        [sys.executable, "-m", "lamina", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_another_interpreter_still_gets_the_runtimes_boto3(tmp_path: Path) -> None:
    python = _pyenv_python("3.13")
    (tmp_path / "app.py").write_text(REPORT)
    out = lamina("invoke", "app.py:handler", "--python", python, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["version"] == "3.13"
    assert body["boto3_version"] == RUNTIME_SDK["boto3"]
    assert "python3.13-" in body["boto3_file"]


def test_a_bad_python_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(REPORT)
    (tmp_path / "requirements.txt").write_text("six\n")
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'cannot start' >&2\nexit 3\n")
    broken.chmod(0o755)
    out = lamina("invoke", "app.py:handler", "--python", str(broken), cwd=tmp_path)
    assert out.returncode == 2, out
    assert out.stderr.strip().splitlines() == [
        f"error: cannot use the Python interpreter {str(broken)!r}: cannot start"
    ]


async def test_the_shells_variables_stay_out_but_for_the_allowlist(
    write_function: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaks = {
        "AWS_PROFILE": "developer",
        "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
        "PYTHONWARNINGS": "error",
        "VIRTUAL_ENV": "/somewhere/.venv",
        "MY_SHELL_SECRET": "s3cr3t",
    }
    for name, value in leaks.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    config = write_function(
        "import os\ndef handler(event, context):\n    return dict(os.environ)\n",
        environment=(("FROM_TEMPLATE", "yes"),),
    )
    seen = payload(await invoke(config))
    assert not set(leaks) & set(seen), sorted(set(leaks) & set(seen))
    assert not [name for name in seen if name.startswith("LAMINA_")]
    assert seen["HTTPS_PROXY"] == "http://proxy.example:3128"
    assert seen["FROM_TEMPLATE"] == "yes"
    assert seen["AWS_LAMBDA_FUNCTION_NAME"] == "fn" and "PYTHONPATH" not in seen


DURABLE_PROBE = """
def handler(event, context):
    import boto3
    try:
        import aws_durable_execution_sdk_python
    except ImportError:
        return {"durable_sdk": False, "boto3": boto3.__version__}
    return {"durable_sdk": True, "boto3": boto3.__version__}
"""


@pytest.mark.parametrize(("runtime", "ships"), [("python3.12", False), ("python3.13", True)])
async def test_the_durable_sdk_comes_with_python313_and_later(
    runtime: str, ships: bool, write_function: Any
) -> None:
    """Lambda's python3.13+ runtimes have the durable execution SDK built in (and a boto3 new
    enough for it); python3.12's doesn't. Keyed on the template's Runtime, whatever the
    interpreter that plays it."""
    body = payload(await invoke(write_function(DURABLE_PROBE, runtime=runtime)))
    expected_boto3 = (DURABLE_RUNTIME_SDK if ships else RUNTIME_SDK)["boto3"]
    assert body == {"durable_sdk": ships, "boto3": expected_boto3}
