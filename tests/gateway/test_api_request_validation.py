"""`lamina api` validates requests as API Gateway does where a template asks for it (a plain
CloudFormation method's RequestValidatorId, a SAM event's RequestModel with ValidateBody/
ValidateParameters, an OpenAPI x-amazon-apigateway-request-validator): a missing required
parameter or a body its model rejects is API Gateway's 400 and never reaches the function; the
log line says which parameter or which schema rule failed. The expected messages are AWS's
(recorded: test_api_gateway_request_validator, …_with_ref_models)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from gateway.harness import ApiProcess

JSON = {"content-type": "application/json"}
INVALID_BODY = {"message": "Invalid request body"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    process = ApiProcess("validators", tmp_path_factory.mktemp("validators"))
    try:
        yield process
    finally:
        process.stop()


def missing(*names: str) -> dict[str, str]:
    return {"message": f"Missing required request parameters: [{', '.join(names)}]"}


def refused(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    assert response.headers["x-amzn-ErrorType"] == "BadRequestException"
    body: dict[str, str] = response.json()
    return body


def test_cfn_required_parameters(api: ApiProcess) -> None:
    assert refused(requests.put(api.url + "/", timeout=30)) == missing("myHeader")
    blank = requests.put(api.url + "/", headers={"myHeader": ""}, timeout=30)
    assert refused(blank) == missing("myHeader")
    good = requests.put(api.url + "/", headers={"MYHEADER": "x"}, timeout=30)
    assert (good.status_code, good.text) == (200, "PUT /")
    # AWS's order: by the full key (header, path, querystring); a path parameter the resource
    # does not have (issuer on /items/{id}) is always missing, as recorded.
    everything = requests.post(api.url + "/items/7", json={"a": 1, "b": 2}, timeout=30)
    assert refused(everything) == missing("x-header-param", "issuer", "qs1")
    api.wait_for_log("request validation: no (or a blank) required header x-header-param")


def test_cfn_body_against_the_model_of_its_content_type(api: ApiProcess) -> None:
    url = api.url + "/items/7"
    assert refused(requests.patch(url, json={"a": 1}, timeout=30)) == INVALID_BODY
    api.wait_for_log("model testSchema at $: 'b' is a required property")
    assert refused(requests.patch(url, data=b"{", headers=JSON, timeout=30)) == INVALID_BODY
    assert refused(requests.patch(url, timeout=30)) == INVALID_BODY  # no body: {} (no a, b)
    good = requests.patch(url, json={"a": 1, "b": 2.5}, timeout=30)
    assert (good.status_code, good.text) == (200, "PATCH /items/{id}")
    # text/plain's model is a list of the other model, by its apigateway.amazonaws.com $ref
    plain = {"content-type": "text/plain"}
    bad = requests.patch(url, data=b'[{"a": 1}]', headers=plain, timeout=30)
    assert refused(bad) == INVALID_BODY
    api.wait_for_log("model testSchemaList at $[0]: 'b' is a required property")
    ok = requests.patch(url, data=b'[{"a": 1, "b": 2}]', headers=plain, timeout=30)
    assert ok.status_code == 200, ok.text
    # a content type without a model is not checked (AWS: "no matching content type")
    other = requests.patch(url, data=b"a=1", headers={"content-type": "text/csv"}, timeout=30)
    assert other.status_code == 200, other.text


def test_sam_request_model_and_parameters(api: ApiProcess) -> None:
    url = api.url + "/people"
    person = {"firstName": "Ada", "age": 36}
    assert refused(requests.post(url, json=person, timeout=30)) == missing("team")
    bad = requests.post(url + "?team=x", json={"firstName": "Ada", "age": -1}, timeout=30)
    assert refused(bad) == INVALID_BODY
    api.wait_for_log("model Person at $['age']: -1 is less than the minimum of 0")
    good = requests.post(url + "?team=x", json=person, timeout=30)  # x-trace is not required
    assert (good.status_code, good.text) == (200, "POST /people")
    # Required alone adds no validator (SAM), so AWS passes {} through, as here
    modelled = requests.post(api.url + "/modelled", json={}, timeout=30)
    assert (modelled.status_code, modelled.text) == (200, "POST /modelled")
    assert requests.post(api.url + "/plain", timeout=30).text == "POST /plain"


def test_openapi_validators(api: ApiProcess) -> None:
    assert refused(requests.get(api.url + "/checked", timeout=30)) == missing("q")
    checked = requests.get(api.url + "/checked?q=1", timeout=30)
    assert (checked.status_code, checked.text) == (200, "GET /checked")
    # the body validator checks the body only: the required x-shop header is not checked
    url = api.url + "/orders"
    assert refused(requests.post(url, json={"items": [{}]}, timeout=30)) == INVALID_BODY
    api.wait_for_log("model Order at $['items'][0]: 'sku' is a required property")
    assert refused(requests.post(url, json={"items": []}, timeout=30)) == INVALID_BODY
    good = requests.post(url, json={"items": [{"sku": "a"}]}, timeout=30)
    assert (good.status_code, good.text) == (200, "POST /orders")


def test_start_names_only_what_is_not_validated(api: ApiProcess) -> None:
    warnings = [line for line in api.stderr().splitlines() if line.startswith("lamina: warning")]
    assert not [w for w in warnings if "not done" in w], warnings
    assert [w for w in warnings if "model" in w] == [
        "lamina: warning: EchoFunction.Events.Ghost: model Ghost is not defined here;"
        " its body is not validated",
        "lamina: warning: EchoFunction.Events.Dangling: model Dangling refers to"
        " #/definitions/Nowhere, which is not defined here; not used",
    ], warnings
    assert [w for w in warnings if "path parameter" in w] == [
        "lamina: warning: ItemMethod: requires path parameter issuer, which /items/{id} has not:"
        " API Gateway answers every request 400 (Missing required request parameters)"
    ], warnings
    ghost = requests.post(api.url + "/ghost", json={}, timeout=30)
    assert (ghost.status_code, ghost.text) == (200, "POST /ghost")
    dangling = requests.post(api.url + "/dangling", json={"owner": 1}, timeout=30)
    assert (dangling.status_code, dangling.text) == (200, "POST /dangling")


def models_from_a_variable(root: Path) -> None:
    """request_models given whole by a variable (not a block of its own): read, not a crash."""
    main = root / "main.tf"
    text = main.read_text()
    block = '  request_models = {\n    "application/json" = aws_api_gateway_model.pet.name\n  }'
    assert block in text
    variable = 'variable "models" {\n  default = { "application/json" = "Pet" }\n}\n'
    main.write_text(text.replace(block, "  request_models = var.models") + variable)


@pytest.mark.parametrize("prepare", [None, models_from_a_variable], ids=["block", "variable"])
def test_terraform_validator_parameters_and_heredoc_model(
    tmp_path: Path, prepare: Callable[[Path], None] | None
) -> None:
    api = ApiProcess("tf_validators", tmp_path, prepare=prepare)
    try:
        url = api.url + "/pets"
        assert refused(requests.post(url, json={"name": "rex"}, timeout=30)) == missing("x-owner")
        owner = {"x-owner": "me"}
        bad = requests.post(url, json={"legs": 9}, headers=owner, timeout=30)
        assert refused(bad) == INVALID_BODY
        api.wait_for_log("request validation: model Pet at $: 'name' is a required property")
        good = requests.post(url, json={"name": "rex", "legs": 4}, headers=owner, timeout=30)
        assert (good.status_code, good.text) == (200, "POST /pets")
    finally:
        api.stop()


def test_openapi_2_document_validator_shared_parameters_and_body(api: ApiProcess) -> None:
    url = api.url + "/pets/7"
    # the document's validator; x-owner is the path's (shared) parameter, by $ref
    assert refused(requests.put(url, json={"name": "rex"}, timeout=30)) == missing("x-owner")
    owner = {"x-owner": "me"}
    bad = requests.put(url, json={"name": ""}, headers=owner, timeout=30)
    assert refused(bad) == INVALID_BODY
    api.wait_for_log("request validation: model Pet at $['name']: ")  # jsonschema's words vary
    good = requests.put(url, json={"name": "rex"}, headers=owner, timeout=30)
    assert (good.status_code, good.text) == (200, "PUT /pets/{petId}")
    # the operation's own validator checks nothing
    unchecked = requests.delete(url, timeout=30)
    assert (unchecked.status_code, unchecked.text) == (200, "DELETE /pets/{petId}")
