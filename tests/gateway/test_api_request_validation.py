"""`lamina api` does not validate requests as API Gateway does (required parameters, a body's
model): where a template asks for validation it says so once at start, per route, and the
request reaches the function. The plain CloudFormation method's integration Uri is in `Fn::Sub`'s
list form (`${lambdaArn}` with `lambdaArn: !GetAtt Fn.Arn`), which names the function too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from gateway.harness import ApiProcess


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    process = ApiProcess("validators", tmp_path_factory.mktemp("validators"))
    try:
        yield process
    finally:
        process.stop()


def test_each_validated_route_is_named_once(api: ApiProcess) -> None:
    warnings = [line for line in api.stderr().splitlines() if line.startswith("lamina: warning")]
    named = sorted(w.split(": ")[2] for w in warnings if "request validation is not done" in w)
    assert named == [
        "BodyApi.DefinitionBody.paths./checked.get",
        "EchoFunction.Events.Modelled",
        "RootMethod",
    ], warnings


def test_the_requests_still_reach_the_function(api: ApiProcess) -> None:
    text = "\n".join(api.banner)
    assert "PUT /" in text and "EchoFunction  (REST RestApi" in text  # Sub's list form
    put = requests.put(api.url + "/", timeout=30)  # without the required myHeader
    assert (put.status_code, put.text) == (200, "PUT /")
    checked = requests.get(api.url + "/checked", timeout=30)  # without the required ?q
    assert (checked.status_code, checked.text) == (200, "GET /checked")
    modelled = requests.post(api.url + "/modelled", json={}, timeout=30)
    assert (modelled.status_code, modelled.text) == (200, "POST /modelled")
    assert requests.post(api.url + "/plain", timeout=30).text == "POST /plain"
