"""`lamina api` on REST APIs with both `Cors` and `BinaryMediaTypes` (Powertools' micro-function
example has `*/*`): API Gateway's mock OPTIONS method has an application/json request template
and no contentHandling, so a preflight whose Content-Type is binary for the API (any, with
`*/*`) gets 500 instead of the CORS headers. Lamina answers the same, and says so at start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from gateway.harness import ApiProcess

PREFLIGHT = {"Origin": "https://example.com", "Access-Control-Request-Method": "POST"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    process = ApiProcess("binary_cors", tmp_path_factory.mktemp("binary_cors"))
    try:
        yield process
    finally:
        process.stop()


def test_every_preflight_fails_with_binary_everything(api: ApiProcess) -> None:
    answer = requests.options(api.url + "/users", headers=PREFLIGHT, timeout=30)
    assert answer.status_code == 500, answer.text
    assert answer.json() == {"message": "Internal server error"}
    assert answer.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert "Access-Control-Allow-Origin" not in answer.headers
    warnings = [line for line in api.stderr().splitlines() if line.startswith("lamina: warning")]
    assert [w for w in warnings if "EverythingApi: BinaryMediaTypes */* with Cors" in w], warnings
    assert not [w for w in warnings if "ImagesApi" in w], warnings
    # The route itself still answers.
    assert requests.get(api.url + "/users", timeout=30).text == "/users"


def test_only_a_binary_preflight_fails_with_narrower_types(api: ApiProcess) -> None:
    plain = requests.options(api.url + "/pictures", headers=PREFLIGHT, timeout=30)
    assert plain.status_code == 200, plain.text
    assert plain.headers["Access-Control-Allow-Origin"] == "https://example.com"
    assert plain.headers["Access-Control-Allow-Headers"] == "Content-Type,Authorization"

    image = {**PREFLIGHT, "Content-Type": "image/png"}
    failed = requests.options(api.url + "/pictures", headers=image, timeout=30)
    assert failed.status_code == 500, failed.text
    assert failed.json() == {"message": "Internal server error"}
