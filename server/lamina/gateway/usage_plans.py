"""Usage plans: API Gateway's throttle and quota per API key (SAM's `Auth: UsagePlan` on a REST
API, whose routes require an API key).

The throttle is a token bucket per key, as API Gateway's: `BurstLimit` tokens at most, refilled
at `RateLimit` a second; an empty bucket answers 429 `{"message":"Too Many Requests"}`. The
quota counts a key's requests per `Period` (DAY, WEEK or MONTH, in UTC; a week starts on Sunday
plus `Offset` days, a month on its first day plus `Offset`); over `Limit` it answers 429
`{"message":"Limit Exceeded"}`.
Only requests that passed the key check count, as on AWS. `CreateUsagePlan: SHARED` plans share
one meter across their APIs; `PER_API` ones meter each API apart. Counts live in memory, for
the life of `lamina api`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from lamina.gateway.http_types import HttpResponse
from lamina.gateway.responses import message_response

SHARED_PLAN = "SHARED"


@dataclass(frozen=True)
class UsagePlan:
    name: str  # what shares a meter: the API's logical id, or SHARED
    rate_limit: float | None = None  # requests a second, steady
    burst_limit: int | None = None
    quota_limit: int | None = None
    quota_period: str = "DAY"
    quota_offset: int = 0


def usage_plan(api_id: str, config: Any, warn: Callable[[str], None]) -> UsagePlan | None:
    """SAM's `Auth.UsagePlan` (resolved) as a plan, or None (`CreateUsagePlan: NONE`, absent)."""
    if not isinstance(config, Mapping):
        return None
    create = str(config.get("CreateUsagePlan") or "NONE").upper()
    if create == "NONE":
        return None
    if create not in ("PER_API", SHARED_PLAN):
        warn(f"CreateUsagePlan {create} is not PER_API, SHARED or NONE; no usage plan")
        return None
    throttle = config.get("Throttle") or {}
    quota = config.get("Quota") or {}
    period = str(quota.get("Period") or "DAY").upper() if isinstance(quota, Mapping) else "DAY"
    if period not in ("DAY", "WEEK", "MONTH"):
        warn(f"Quota.Period {period} is not DAY, WEEK or MONTH; DAY is used")
        period = "DAY"
    return UsagePlan(
        name=SHARED_PLAN if create == SHARED_PLAN else api_id,
        rate_limit=_number(throttle, "RateLimit", float),
        burst_limit=_number(throttle, "BurstLimit", int),
        quota_limit=_number(quota, "Limit", int),
        quota_period=period,
        quota_offset=_number(quota, "Offset", int) or 0,
    )


def _number(section: Any, key: str, kind: Callable[[Any], Any]) -> Any:
    if not isinstance(section, Mapping) or section.get(key) is None:
        return None
    try:
        return kind(section[key])
    except (TypeError, ValueError):
        return None


def period_start(plan: UsagePlan, now: datetime) -> datetime:
    """The start (UTC) of the quota period that holds `now`."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if plan.quota_period == "WEEK":
        sunday_first = (day.weekday() + 1) % 7  # API Gateway's Offset 0 is Sunday
        start = day - timedelta(days=(sunday_first - plan.quota_offset) % 7)
    elif plan.quota_period == "MONTH":
        start = day.replace(day=1) + timedelta(days=plan.quota_offset)
        if start > day:  # the offset day of this month is still ahead: last month's
            previous = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
            start = previous + timedelta(days=plan.quota_offset)
    else:
        start = day
    return start


class UsageMeter:
    """Every key's bucket and quota count; `admit` says whether a request may go on."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._clock = clock
        self._now = now
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # tokens, when
        self._quotas: dict[tuple[str, str], tuple[datetime, int]] = {}  # period start, count

    def admit(self, plan: UsagePlan, key: str) -> tuple[HttpResponse, str] | None:
        """None if the request may go on; else API Gateway's 429 and why (for the log)."""
        meter = (plan.name, key)
        if plan.rate_limit is not None:
            capacity = float(plan.burst_limit if plan.burst_limit else max(plan.rate_limit, 1))
            now = self._clock()
            tokens, then = self._buckets.get(meter, (capacity, now))
            tokens = min(capacity, tokens + (now - then) * plan.rate_limit)
            if tokens < 1:
                self._buckets[meter] = (tokens, now)
                why = f"throttled: RateLimit {plan.rate_limit:g}/s, BurstLimit {capacity:g}"
                return message_response(429, "Too Many Requests", "TooManyRequestsException"), why
            self._buckets[meter] = (tokens - 1, now)
        if plan.quota_limit is not None:
            start = period_start(plan, self._now())
            began, count = self._quotas.get(meter, (start, 0))
            if began != start:
                count = 0
            if count >= plan.quota_limit:
                self._quotas[meter] = (start, count)
                why = f"quota: {plan.quota_limit} requests a {plan.quota_period.lower()} used"
                return message_response(429, "Limit Exceeded", "LimitExceededException"), why
            self._quotas[meter] = (start, count + 1)
        return None
