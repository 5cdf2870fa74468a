"""`lamina api` on usage plans (`Auth: UsagePlan`): the throttle and the quota per API key,
answered with API Gateway's 429 bodies, and routes without a key not metered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from gateway.harness import ApiProcess


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("plans", tmp_path_factory.mktemp("plans"))
    yield api
    api.stop()


def get(api: ApiProcess, path: str, key: str | None = None) -> requests.Response:
    headers = {"x-api-key": key} if key else {}
    return requests.get(api.url + path, headers=headers, timeout=30)


def test_the_throttle_lets_a_burst_through_then_answers_429(plans: ApiProcess) -> None:
    # BurstLimit 2, RateLimit 0.01/s: two requests pass, the third finds the bucket empty.
    assert [get(plans, "/throttled", "key-a").status_code for _ in range(2)] == [200, 200]
    refused = get(plans, "/throttled", "key-a")
    assert refused.status_code == 429
    assert refused.json() == {"message": "Too Many Requests"}
    assert refused.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    plans.wait_for_log("usage plan of ThrottledApi: throttled: RateLimit 0.01/s, BurstLimit 2")
    assert get(plans, "/throttled", "key-b").status_code == 200  # each key has its bucket
    assert get(plans, "/throttled").status_code == 403  # no key: refused before the plan


def test_the_quota_counts_each_keys_requests_then_answers_limit_exceeded(
    plans: ApiProcess,
) -> None:
    assert [get(plans, "/counted", "key-q").status_code for _ in range(2)] == [200, 200]
    refused = get(plans, "/counted", "key-q")
    assert refused.status_code == 429
    assert refused.json() == {"message": "Limit Exceeded"}
    plans.wait_for_log("usage plan of QuotaApi: quota: 2 requests a day used")
    assert get(plans, "/counted", "key-r").status_code == 200
    # A route of the same API that needs no key is not metered.
    assert [get(plans, "/free").status_code for _ in range(4)] == [200] * 4
