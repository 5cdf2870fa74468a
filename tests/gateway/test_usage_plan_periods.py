"""Usage plans' quota periods and refills, with the meter's clocks set by the test."""

from __future__ import annotations

from datetime import datetime, timezone

from lamina.gateway.usage_plans import UsageMeter, UsagePlan, period_start, usage_plan


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_periods_start_at_utc_midnight_the_weeks_and_the_months_offset_day() -> None:
    day = UsagePlan("A", quota_limit=1, quota_period="DAY")
    assert period_start(day, at("2026-12-07T13:45:00")) == at("2026-12-07T00:00:00")
    week = UsagePlan("A", quota_limit=1, quota_period="WEEK", quota_offset=2)  # Tuesdays
    assert period_start(week, at("2026-12-07T13:45:00")) == at("2026-12-01T00:00:00")  # a Monday
    assert period_start(week, at("2026-12-08T00:00:01")) == at("2026-12-08T00:00:00")
    sundays = UsagePlan("A", quota_limit=1, quota_period="WEEK")
    assert period_start(sundays, at("2026-12-07T13:45:00")) == at("2026-12-06T00:00:00")
    month = UsagePlan("A", quota_limit=1, quota_period="MONTH", quota_offset=9)
    assert period_start(month, at("2026-12-07T13:45:00")) == at("2026-11-10T00:00:00")
    assert period_start(month, at("2026-12-12T08:00:00")) == at("2026-12-10T00:00:00")


def test_a_quota_starts_again_in_the_next_period_and_a_bucket_refills() -> None:
    now = [at("2026-12-07T23:59:59")]
    clock = [0.0]
    meter = UsageMeter(clock=lambda: clock[0], now=lambda: now[0])
    plan = UsagePlan("A", rate_limit=1.0, burst_limit=1, quota_limit=2)
    assert meter.admit(plan, "k") is None
    refused = meter.admit(plan, "k")  # the bucket is empty
    assert refused is not None and refused[0].status == 429
    clock[0] = 1.0
    assert meter.admit(plan, "k") is None  # refilled; the quota's second request
    clock[0] = 2.0
    refused = meter.admit(plan, "k")
    assert refused is not None and b"Limit Exceeded" in refused[0].body
    now[0] = at("2026-12-08T00:00:00")
    clock[0] = 3.0
    assert meter.admit(plan, "k") is None


def test_a_template_plan_is_read_and_bad_settings_named() -> None:
    warnings: list[str] = []
    assert usage_plan("Api", {"CreateUsagePlan": "NONE"}, warnings.append) is None
    plan = usage_plan(
        "Api",
        {"CreateUsagePlan": "SHARED", "Throttle": {"RateLimit": 5}, "Quota": {"Period": "YEAR"}},
        warnings.append,
    )
    assert plan == UsagePlan("SHARED", rate_limit=5.0, quota_period="DAY")
    assert warnings == ["Quota.Period YEAR is not DAY, WEEK or MONTH; DAY is used"]
