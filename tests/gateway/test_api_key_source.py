"""`lamina api` on `ApiKeySourceType: AUTHORIZER` (apps/key_source): the Lambda authorizer's
`usageIdentifierKey` is the API key, checked against the template's keys and metered by the
usage plan, and the x-api-key header is not read. Throttles are counted in answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from gateway.harness import ApiProcess

TENANT = "tenant-key-0123456789abcdef"


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("key_source", tmp_path_factory.mktemp("key_source"))
    yield api
    api.stop()


def get(api: ApiProcess, token: str, **headers: str) -> requests.Response:
    headers["Authorization"] = token
    return requests.get(api.url + "/orders", headers=headers, timeout=30)


def test_the_authorizers_key_reaches_the_function_and_is_metered(keyed: ApiProcess) -> None:
    answer = get(keyed, "tenant")  # no x-api-key header: the authorizer names the key
    assert answer.status_code == 200
    key, key_id = answer.json()
    assert key == TENANT and key_id
    refused = get(keyed, "tenant")  # the plan's BurstLimit 1, RateLimit 0.01/s, per key
    assert refused.status_code == 429
    assert refused.json() == {"message": "Too Many Requests"}
    keyed.wait_for_log("authorizer Keys: usage plan: throttled: RateLimit 0.01/s, BurstLimit 1")
    assert get(keyed, "other").status_code == 200  # another key has its own bucket


def test_no_key_or_a_stranger_from_the_authorizer_is_forbidden(keyed: ApiProcess) -> None:
    for token in ("keyless", "stranger"):
        # The header holds a key of the template, but the API's keys come from its authorizer.
        refused = get(keyed, token, **{"x-api-key": TENANT})
        assert refused.status_code == 403
        assert refused.json() == {"message": "Forbidden"}
    keyed.wait_for_log("its usageIdentifierKey is no API key of the route")


def test_a_key_route_without_a_lambda_authorizer_refuses_every_request(keyed: ApiProcess) -> None:
    why = "ApiKeySourceType AUTHORIZER, but no Lambda authorizer gives the route a key"
    assert f"EchoFunction.Events.Open: {why}: every request is refused (403)" in keyed.stderr()
    refused = requests.get(keyed.url + "/open", headers={"x-api-key": TENANT}, timeout=30)
    assert refused.status_code == 403
    assert refused.json() == {"message": "Forbidden"}
    keyed.wait_for_log(f"usage plan of Api: {why}")
