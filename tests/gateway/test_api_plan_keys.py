"""`lamina api` on plain CloudFormation usage plans (apps/plan_keys): which plan a key is
metered by (`AWS::ApiGateway::UsagePlanKey`), a key no plan of the stage links refused as API
Gateway refuses it, and a plan's per-method throttle (`ApiStages[].Throttle`) beside its own.
Throttles are counted in answers (a burst limit and a rate far below the test's pace), not time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from gateway.harness import ApiProcess

BASIC = "basic-key-0123456789abcdef"
PREMIUM = "premium-key-0123456789abcdef"
LOOSE = "loose-key-0123456789abcdef"
OFF = "off-key-0123456789abcdef"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    api = ApiProcess("plan_keys", tmp_path_factory.mktemp("plan_keys"))
    yield api
    api.stop()


def call(api: ApiProcess, method: str, key: str) -> requests.Response:
    return requests.request(method, api.url + "/orders", headers={"x-api-key": key}, timeout=30)


def test_a_key_no_plan_of_the_stage_links_is_forbidden(shop: ApiProcess) -> None:
    refused = call(shop, "GET", LOOSE)  # an ApiKey of the template, in no UsagePlanKey
    assert refused.status_code == 403
    assert refused.json() == {"message": "Forbidden"}
    shop.wait_for_log("usage plan of Shop: the key is linked to no usage plan of the stage")
    assert call(shop, "GET", OFF).status_code == 403  # linked to BasicPlan, but Enabled: false
    assert call(shop, "GET", PREMIUM).status_code == 200


def test_a_method_throttle_limits_that_method_per_key_beside_the_plans_own(
    shop: ApiProcess,
) -> None:
    # BasicPlan: /orders/POST has BurstLimit 1, RateLimit 0.01/s; the plan itself 100/100.
    assert call(shop, "POST", BASIC).status_code == 200
    refused = call(shop, "POST", BASIC)
    assert refused.status_code == 429
    assert refused.json() == {"message": "Too Many Requests"}
    shop.wait_for_log("throttled on /orders/POST: RateLimit 0.01/s, BurstLimit 1")
    assert call(shop, "GET", BASIC).status_code == 200  # another method of the same key
    # PremiumPlan has no method throttle: its key posts on.
    assert [call(shop, "POST", PREMIUM).status_code for _ in range(3)] == [200] * 3


def test_each_key_counts_against_the_quota_of_the_plan_that_links_it(shop: ApiProcess) -> None:
    # BasicPlan's Quota is 5 a day; PremiumPlan's 100. Refused requests never counted.
    used = 0
    while call(shop, "GET", BASIC).status_code == 200:
        used += 1
        assert used <= 5
    over = call(shop, "GET", BASIC)
    assert over.status_code == 429
    assert over.json() == {"message": "Limit Exceeded"}
    shop.wait_for_log("quota: 5 requests a day used")
    assert call(shop, "GET", PREMIUM).status_code == 200


def test_a_sam_api_is_metered_by_a_plain_plan_naming_it(shop: ApiProcess) -> None:
    def post(key: str) -> requests.Response:
        return requests.post(shop.url + "/sam", headers={"x-api-key": key}, timeout=30)

    assert post(BASIC).status_code == 403  # BasicPlan does not name SamApi
    assert post(PREMIUM).status_code == 200
    assert post(PREMIUM).status_code == 429  # SamPlan's /sam/POST: BurstLimit 1
    shop.wait_for_log("throttled on /sam/POST: RateLimit 0.01/s, BurstLimit 1")
