"""AWS_LAMBDA_EXEC_WRAPPER (AWS's own example wrapper, from a layer and from the code), a wrapper
that doesn't exist, and the Lambda Web Adapter's case: handler `run.sh` behind an adapter layer
(`/opt/bootstrap` plus an external extension that plays the runtime client), with a small
adapter of our own standing in for the real binary."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lamina.runtime.config import RuntimeOptions
from lamina.runtime.invocation import InvocationRequest
from lamina.runtime.pool import RuntimePool

# The example of AWS's "Lambda runtime wrapper scripts" page (there `-X importtime`): an
# interpreter option inserted before the last argument (the runtime's bootstrap script).
WRAPPER = """\
#!/bin/bash
args=("$@")
export WRAPPED_BY=wrapper
extra_args=("-O")
args=("${args[@]:0:$#-1}" "${extra_args[@]}" "${args[@]: -1}")
exec "${args[@]}"
"""

HANDLER = """
import os, sys
def handler(event, context):
    return {"wrapped_by": os.environ.get("WRAPPED_BY"), "optimize": sys.flags.optimize,
            "awslambdaric": "awslambdaric" in sys.modules}
"""


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("client", ["lamina", "awslambdaric"])
async def test_wrapper_from_a_layer_runs_the_runtime(
    write_function: Any, tmp_path: Path, client: str
) -> None:
    layer = tmp_path / "layer"
    executable(layer / "wrapper", WRAPPER)
    config = write_function(
        HANDLER, opt_roots=(layer,), environment=(("AWS_LAMBDA_EXEC_WRAPPER", "/opt/wrapper"),)
    )
    async with RuntimePool(RuntimeOptions(runtime_client=client)) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    assert result.ok, result.payload
    answer = {"wrapped_by": "wrapper", "optimize": 1, "awslambdaric": client == "awslambdaric"}
    assert json.loads(result.payload) == answer


async def test_wrapper_in_the_code(write_function: Any) -> None:
    config = write_function(
        HANDLER,
        files={"wrap.sh": WRAPPER},
        environment=(("AWS_LAMBDA_EXEC_WRAPPER", "/var/task/wrap.sh"),),
    )
    (config.code_dir / "wrap.sh").chmod(0o755)
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    assert json.loads(result.payload)["wrapped_by"] == "wrapper"


@pytest.mark.parametrize(
    ("named", "message"),
    [("/opt/missing", "/opt/missing: does not exist"), ("/opt/plain", "is not an executable")],
)
async def test_a_bad_wrapper_fails_init_as_lambdas_bootstrap_does(
    write_function: Any, tmp_path: Path, named: str, message: str
) -> None:
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "plain").write_text("#!/bin/sh\n")
    config = write_function(
        HANDLER, opt_roots=(layer,), environment=(("AWS_LAMBDA_EXEC_WRAPPER", named),)
    )
    async with RuntimePool(RuntimeOptions()) as pool:
        result = await pool.invoke(config, InvocationRequest.from_json({}))
    assert result.error is not None and result.error["errorType"] == "Runtime.ExitError"
    assert message in result.logs


# The adapter layer: /opt/bootstrap as the Lambda Web Adapter's layer has it, and an extension
# that registers for no events, waits for the web app, then plays the runtime client.
ADAPTER_BOOTSTRAP = '#!/bin/bash\n\nexec -- "${LAMBDA_TASK_ROOT}/${_HANDLER}"\n'
ADAPTER = """\
#!{python}
import http.client, json, os, threading, time
API = os.environ["AWS_LAMBDA_RUNTIME_API"]
PORT = int(os.environ.get("AWS_LWA_PORT", "8080"))
def api():
    host, port = API.rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port))
c = api()
c.request("POST", "/2020-01-01/extension/register", body='{{ "events": [] }}',
          headers={{"Lambda-Extension-Name": "lambda-adapter"}})
r = c.getresponse(); r.read()
ext_id = r.getheader("Lambda-Extension-Identifier")
def park():
    p = api()
    p.request("GET", "/2020-01-01/extension/event/next",
              headers={{"Lambda-Extension-Identifier": ext_id}})
    p.getresponse().read()
threading.Thread(target=park, daemon=True).start()
while True:
    try:
        app = http.client.HTTPConnection("127.0.0.1", PORT)
        app.request("GET", "/"); app.getresponse().read()
        break
    except OSError:
        time.sleep(0.01)
runtime = api()
while True:
    runtime.request("GET", "/2018-06-01/runtime/invocation/next")
    r = runtime.getresponse()
    event = json.loads(r.read())
    request_id = r.getheader("Lambda-Runtime-Aws-Request-Id")
    app = http.client.HTTPConnection("127.0.0.1", PORT)
    app.request("GET", event.get("rawPath", "/"))
    answer = app.getresponse()
    out = {{"statusCode": answer.status, "body": answer.read().decode()}}
    runtime.request("POST", f"/2018-06-01/runtime/invocation/{{request_id}}/response",
                    body=json.dumps(out))
    runtime.getresponse().read()
"""
RUN_SH = '#!/bin/sh\nexec {python} "$LAMBDA_TASK_ROOT/server.py"\n'
SERVER = """
import os
from http.server import BaseHTTPRequestHandler, HTTPServer
class App(BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"web app at {self.path} in {os.getcwd()}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
HTTPServer(("127.0.0.1", int(os.environ["AWS_LWA_PORT"])), App).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_run_sh_behind_a_web_adapter_layer_serves(
    write_function: Any, tmp_path: Path
) -> None:
    layer = tmp_path / "adapter"
    executable(layer / "bootstrap", ADAPTER_BOOTSTRAP)
    executable(layer / "extensions" / "lambda-adapter", ADAPTER.format(python=sys.executable))
    config = write_function(
        "",
        handler="run.sh",
        files={"server.py": SERVER},
        opt_roots=(layer,),
        environment=(
            ("AWS_LAMBDA_EXEC_WRAPPER", "/opt/bootstrap"),
            ("AWS_LWA_PORT", str(free_port())),
        ),
    )
    executable(config.code_dir / "run.sh", RUN_SH.format(python=sys.executable))
    async with RuntimePool(RuntimeOptions()) as pool:
        first = await pool.invoke(config, InvocationRequest.from_json({"rawPath": "/hello"}))
        second = await pool.invoke(config, InvocationRequest.from_json({"rawPath": "/again"}))
    assert first.ok, first.logs
    assert json.loads(first.payload)["body"].startswith("web app at /hello")
    assert json.loads(second.payload)["body"].startswith("web app at /again")
    assert second.init_duration_ms is None  # warm: the same web app answered


TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  AdapterLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: adapter/
  WebFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: app/
      Handler: run.sh
      Runtime: python{version}
      Layers:
        - !Ref AdapterLayer
      Environment:
        Variables:
          AWS_LAMBDA_EXEC_WRAPPER: /opt/bootstrap
          AWS_LWA_PORT: "{port}"
"""


def test_web_adapter_project_through_the_cli(tmp_path: Path) -> None:
    """The template's handler `run.sh` is valid (no diagnostic, `lamina functions` shows the
    program), and `lamina invoke` serves through the adapter layer."""
    from lamina.project.diagnostics import check_template

    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE.format(version=version, port=free_port()))
    executable(tmp_path / "adapter" / "bootstrap", ADAPTER_BOOTSTRAP)
    adapter = tmp_path / "adapter" / "extensions" / "lambda-adapter"
    executable(adapter, ADAPTER.format(python=sys.executable))
    executable(tmp_path / "app" / "run.sh", RUN_SH.format(python=sys.executable))
    (tmp_path / "app" / "server.py").write_text(SERVER)
    assert check_template(template, template.read_text()) == []
    lamina = [sys.executable, "-m", "lamina"]
    listed = subprocess.run(
        [*lamina, "functions", "--json", "--project-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    row = json.loads(listed.stdout)[0]
    assert row["handlerProgram"] == "app/run.sh"
    event = tmp_path / "event.json"
    event.write_text('{"rawPath": "/from-cli"}')
    run = subprocess.run(
        [*lamina, "invoke", "WebFunction", "-e", str(event), "--project-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1])["body"].startswith(
        "web app at /from-cli"
    )


# An internal extension as tracing agents bring one: the wrapper puts a folder of its layer on
# PYTHONPATH, whose sitecustomize (run by site.py on Lambda) registers with the Extensions API
# from a thread of the runtime's own process and follows INVOKE events.
HOOK_WRAPPER = """\
#!/bin/sh
export PYTHONPATH="$(dirname "$0")/hooks"
export HOOKED=by-wrapper
exec "$@"
"""
SITECUSTOMIZE = """
import http.client, json, os, threading
seen = []
def _api():
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port))
c = _api()
c.request("POST", "/2020-01-01/extension/register", body='{"events": ["INVOKE"]}',
          headers={"Lambda-Extension-Name": "agent"})
r = c.getresponse(); r.read()
_id = r.getheader("Lambda-Extension-Identifier")
def _loop():
    c = _api()
    while True:
        c.request("GET", "/2020-01-01/extension/event/next",
                  headers={"Lambda-Extension-Identifier": _id})
        seen.append(json.loads(c.getresponse().read())["requestId"])
threading.Thread(target=_loop, daemon=True).start()
"""
AGENT_HANDLER = """
import os, sys, time
def handler(event, context):
    import sitecustomize
    deadline = time.time() + 5
    while context.aws_request_id not in sitecustomize.seen and time.time() < deadline:
        time.sleep(0.01)
    return {"hooked": os.environ.get("HOOKED"), "seen": list(sitecustomize.seen),
            "layer_on_path": any(p.endswith("/python") and "agent" in p for p in sys.path)}
"""


async def test_internal_extension_through_a_wrapper_and_pythonpath(
    write_function: Any, tmp_path: Path
) -> None:
    layer = tmp_path / "agent"
    executable(layer / "wrapper", HOOK_WRAPPER)
    (layer / "hooks").mkdir()
    (layer / "hooks" / "sitecustomize.py").write_text(SITECUSTOMIZE)
    (layer / "python").mkdir()
    config = write_function(
        AGENT_HANDLER,
        opt_roots=(layer,),
        layer_paths=(layer / "python",),
        environment=(("AWS_LAMBDA_EXEC_WRAPPER", "/opt/wrapper"),),
    )
    async with RuntimePool(RuntimeOptions()) as pool:
        first = await pool.invoke(config, InvocationRequest.from_json({}))
        second = await pool.invoke(config, InvocationRequest.from_json({}))
    answer = json.loads(second.payload)
    assert answer["hooked"] == "by-wrapper"
    assert answer["seen"] == [first.request_id, second.request_id]
    # The wrapper set PYTHONPATH, so Lambda's bootstrap put no /opt/python on sys.path.
    assert answer["layer_on_path"] is False


def test_lamina_api_serves_a_run_sh_function_behind_the_adapter_layer(tmp_path: Path) -> None:
    """`lamina api` runs each function as `lamina invoke` does (its Runtime's Python, its
    layers, extensions and wrapper): a web app behind the adapter answers an HTTP API route."""
    import urllib.request

    from gateway.harness import ApiProcess

    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    port = free_port()

    def web_adapter_project(root: Path) -> None:
        template = TEMPLATE.format(version=version, port=port)
        template += (
            "      Events:\n        Web:\n          Type: HttpApi\n"
            "          Properties: {Path: '/{proxy+}', Method: GET}\n"
        )
        (root / "template.yaml").write_text(template)
        executable(root / "adapter" / "bootstrap", ADAPTER_BOOTSTRAP)
        adapter = root / "adapter" / "extensions" / "lambda-adapter"
        executable(adapter, ADAPTER.format(python=sys.executable))
        executable(root / "app" / "run.sh", RUN_SH.format(python=sys.executable))
        (root / "app" / "server.py").write_text(SERVER)

    api = ApiProcess("http_only", tmp_path, prepare=web_adapter_project)
    try:
        with urllib.request.urlopen(f"{api.url}/shop/cart", timeout=60) as answer:
            assert answer.status == 200
            assert answer.read().decode().startswith("web app at /shop/cart")
    finally:
        api.stop()


async def test_debug_environment_behind_the_wrapper(write_function: Any, tmp_path: Path) -> None:
    """`lamina invoke --debug` of a wrapped function: the wrapper sees the command line end with
    the debug launcher (AWS's example wrapper inserts its option before the last argument)."""
    from lamina.runtime.debug import DebugSettings

    layer = tmp_path / "layer"
    executable(layer / "wrapper", WRAPPER)
    config = write_function(
        HANDLER, opt_roots=(layer,), environment=(("AWS_LAMBDA_EXEC_WRAPPER", "/opt/wrapper"),)
    )
    async with RuntimePool(RuntimeOptions()) as pool:
        env = await pool.start_debug(config, DebugSettings(wait_for_client=False))
        result = await pool.invoke_debug(env, InvocationRequest.from_json({}))
    assert result.ok, result.logs
    assert json.loads(result.payload) == {
        "wrapped_by": "wrapper",
        "optimize": 1,
        "awslambdaric": False,
    }
