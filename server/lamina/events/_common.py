"""Helpers shared by the sample-event builders: settings, regions, clocks and ids."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lamina.project.stack_context import default_region as default_region  # one reading, shared

DEFAULT_ACCOUNT = "123456789012"
SOURCE_IP = "198.51.100.10"  # documentation range (RFC 5737)
USER_AGENT = "curl/8.5.0"

Event = dict[str, object]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def dns_suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


# --- settings -----------------------------------------------------------------------------


class Params:
    """The settings for one event (defaults merged with overrides), with typed accessors.

    Every accessor raises ValueError naming the source and key when a value can't be used.
    """

    def __init__(self, source: str, values: Mapping[str, str]) -> None:
        self.source = source
        self._values = dict(values)

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def _error(self, key: str, problem: str) -> ValueError:
        return ValueError(f"{self.source}: {key}={self._values[key]!r} {problem}")

    def integer(self, key: str, *, minimum: int = 0, maximum: int | None = None) -> int:
        raw = self._values[key].strip()
        try:
            value = int(raw)
        except ValueError:
            raise self._error(key, "is not a whole number") from None
        if value < minimum or (maximum is not None and value > maximum):
            upper = f" and <= {maximum}" if maximum is not None else ""
            raise self._error(key, f"must be >= {minimum}{upper}")
        return value

    def json_value(self, key: str) -> object:
        try:
            return json.loads(self._values[key])
        except json.JSONDecodeError as exc:
            raise self._error(key, f"is not valid JSON ({exc.msg})") from None

    def json_object(self, key: str) -> dict[str, object]:
        value = self.json_value(key)
        if not isinstance(value, dict):
            raise self._error(key, 'must be a JSON object, e.g. \'{"name": "value"}\'')
        return value

    def string_map(self, key: str) -> dict[str, str]:
        """A JSON object whose values are turned into strings (as headers are)."""
        result: dict[str, str] = {}
        for name, value in self.json_object(key).items():
            if isinstance(value, str):
                result[name] = value
            elif isinstance(value, list):
                result[name] = ",".join(str(item) for item in value)
            else:
                result[name] = json.dumps(value)
        return result

    def choice(self, key: str, options: Iterable[str]) -> str:
        """One of `options`, compared without regard to case; returns the option's spelling."""
        allowed = tuple(options)
        raw = self._values[key].strip()
        for option in allowed:
            if option.lower() == raw.lower():
                return option
        raise self._error(key, f"must be one of: {', '.join(allowed)}")


Builder = Callable[[Params, datetime], Event]
Default = str | Callable[[], str]


@dataclass(frozen=True)
class Spec:
    """How one event source is described and built."""

    name: str
    description: str
    defaults: Mapping[str, Default]
    build: Builder
    aliases: tuple[str, ...] = ()

    def resolved_defaults(self) -> dict[str, str]:
        return {key: value() if callable(value) else value for key, value in self.defaults.items()}


# --- clocks -------------------------------------------------------------------------------


def as_utc(now: datetime | None) -> datetime:
    """`now` in UTC (naive values are taken to be UTC already); the current time if None."""
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        return now.replace(tzinfo=timezone.utc)
    return now.astimezone(timezone.utc)


def epoch_ms(now: datetime) -> int:
    return (now - _EPOCH) // timedelta(milliseconds=1)


def epoch_s(now: datetime) -> int:
    return (now - _EPOCH) // timedelta(seconds=1)


def iso_ms(now: datetime) -> str:
    """2024-01-02T03:04:05.678Z, as S3, SNS and CloudTrail write times."""
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def iso_s(now: datetime) -> str:
    """2024-01-02T03:04:05Z, as EventBridge writes times."""
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def clf_time(now: datetime) -> str:
    """02/Jan/2024:03:04:05 +0000, as API Gateway writes times (month names never localised)."""
    return f"{now.day:02d}/{_MONTHS[now.month - 1]}/{now.year}:{now.strftime('%H:%M:%S')} +0000"


# --- ids ----------------------------------------------------------------------------------


def new_uuid() -> str:
    return str(uuid.uuid4())


def _random_bytes(count: int) -> bytes:
    chunks = b"".join(uuid.uuid4().bytes for _ in range(count // 16 + 1))
    return chunks[:count]


def hex_id(length: int) -> str:
    """Random lowercase hex, e.g. API ids and ETags."""
    return _random_bytes(length // 2 + 1).hex()[:length]


def upper_id(length: int) -> str:
    """Random upper-case letters and digits, like IAM unique ids (AIDA...)."""
    return base64.b32encode(_random_bytes(length)).decode("ascii")[:length]


def b64_token(byte_count: int) -> str:
    """Random base64 text, like receipt handles, signatures and x-amz-id-2 values."""
    return base64.b64encode(_random_bytes(byte_count)).decode("ascii")


def trace_id(now: datetime) -> str:
    """An X-Ray trace id as load balancers and API Gateway add to X-Amzn-Trace-Id."""
    return f"Root=1-{epoch_s(now):08x}-{hex_id(24)}"
