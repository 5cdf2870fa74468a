"""`lamina api` on a Serverless Framework service: serverless.yml's `http` events as a REST API
on the service's stage (payload 1.0), its `httpApi` events as an HTTP API (payload 2.0)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gateway.harness import APPS, ApiProcess


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("sls_service", tmp_path_factory.mktemp("sls"))
    yield api
    api.stop()


def test_the_banner_lists_the_services_http_and_httpapi_routes(service: ApiProcess) -> None:
    routes = "\n".join(service.banner)
    assert "serving 5 route(s)" in service.banner[0]
    assert "GET /orders " in routes and "→ listOrders" in routes
    assert "GET /orders/{id} " in routes
    assert "ANY /admin/{proxy+} " in routes and "→ anyOrder" in routes
    assert "POST /v2/orders " in routes and "DELETE /v2/orders/{id} " in routes
    assert "(REST ApiGatewayRestApi, stage staging, payload 1.0)" in routes
    assert "(HTTP HttpApi, stage $default, payload 2.0)" in routes
    assert "worker" not in routes  # an sqs event is no route


def test_an_http_event_gets_the_rest_proxy_event_on_the_services_stage(
    service: ApiProcess,
) -> None:
    response = requests.get(service.url + "/orders/42", timeout=30)
    assert response.status_code == 200
    assert response.json() == {
        "resource": "/orders/{id}",
        "path": "/orders/42",
        "httpMethod": "GET",
        "stage": "staging",
        "contextPath": "/staging/orders/42",
        "pathParameters": {"id": "42"},
        "function": "orders-staging-listOrders",
    }
    proxy = requests.patch(service.url + "/admin/a/b", timeout=30).json()
    assert proxy["resource"] == "/admin/{proxy+}"
    assert proxy["pathParameters"] == {"proxy": "a/b"}


def test_an_httpapi_event_gets_payload_2(service: ApiProcess) -> None:
    response = requests.delete(service.url + "/v2/orders/7", timeout=30)
    assert response.json() == {
        "version": "2.0",
        "routeKey": "DELETE /v2/orders/{id}",
        "rawPath": "/v2/orders/7",
        "stage": "$default",
        "pathParameters": {"id": "7"},
        "function": "orders-staging-v2Orders",
    }


def test_unknown_routes_answer_as_the_rest_api_does(service: ApiProcess) -> None:
    response = requests.get(service.url + "/nothing", timeout=30)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_a_change_to_serverless_yml_is_taken_in(tmp_path: Path) -> None:
    api = ApiProcess("sls_service", tmp_path)
    try:
        config = api.root / "serverless.yml"
        config.write_text(config.read_text().replace("path: orders,", "path: orders/all,"))
        response = requests.get(api.url + "/orders/all", timeout=30)
        assert response.status_code == 200
        assert response.json()["resource"] == "/orders/all"
        assert requests.get(api.url + "/orders", timeout=30).status_code == 403
    finally:
        api.stop()


def test_events_generate_fills_in_a_serverless_route(tmp_path: Path) -> None:
    root = tmp_path / "sls"
    shutil.copytree(APPS / "sls_service", root)
    command = [sys.executable, "-m", "lamina", "events", "generate", "--function", "listOrders"]
    command += ["--route", "GET /orders/{id}"]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    event = json.loads(done.stdout)
    assert (event["resource"], event["httpMethod"]) == ("/orders/{id}", "GET")
    assert event["requestContext"]["stage"] == "staging"
    assert event["requestContext"]["path"] == "/staging" + event["path"]
    # From another folder, with the project options every command takes (-t, --stage).
    command += ["-t", str(root / "serverless.yml"), "--stage", "prod"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["requestContext"]["stage"] == "prod"


def _api_banner(root: Path, *args: str) -> str:
    """The first line `lamina api` prints in `root` (it is stopped right after)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamina", "api", *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        return proc.stdout.readline()
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
        assert "Traceback" not in stderr, stderr


def test_serverless_offlines_http_port_is_the_default_port(tmp_path: Path) -> None:
    """serverless-offline's users call its httpPort: `lamina api` listens there unless --port
    says otherwise; a port given by a variable counts once resolved."""
    from ports import free_port

    root = tmp_path / "sls"
    shutil.copytree(APPS / "sls_service", root)
    offline, other = free_port(), free_port()
    config = root / "serverless.yml"
    config.write_text(
        config.read_text()
        + "plugins: [serverless-offline]\n"
        + "custom:\n  port: "
        + str(offline)
        + "\n  serverless-offline: {httpPort: '${self:custom.port}', host: 127.0.0.1}\n"
    )
    banner = _api_banner(root)
    assert banner.startswith("lamina api: serving 5 route(s) on ")
    assert banner.rstrip().endswith(f"http://127.0.0.1:{offline}")
    assert _api_banner(root, "--port", str(other)).rstrip().endswith(f":{other}")
    done = subprocess.run(
        [sys.executable, "-m", "lamina", "functions"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "serverless-offline: not needed" in done.stderr
    assert "--port" not in done.stderr and "port 3000" not in done.stderr


def test_the_stage_option_is_the_stage_the_routes_are_served_on(tmp_path: Path) -> None:
    """`lamina api --stage prod`, as `serverless offline --stage prod`: the REST API's stage
    is prod, not provider.stage's default."""
    root = tmp_path / "sls"
    shutil.copytree(APPS / "sls_service", root)
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamina", "api", "--port", "0", "--stage", "prod"],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline() for _ in range(2)]
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert "serving 5 route(s)" in banner[0], stderr
    assert "(REST ApiGatewayRestApi, stage prod, payload 1.0)" in banner[1]
