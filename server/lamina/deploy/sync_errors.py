"""What can go wrong in a sync, sorted into retryable (network, throttling, a busy function) and
permanent (access denied, no such function, not mapped, a bad package), with one line each.

Retryable calls are retried with exponential backoff (`call_with_retries`); botocore's own retries
are off for sync clients, so that Lamina sees and counts every attempt. Messages never carry
credentials or environment values: they come from the service's error message and the error code.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRYABLE_CODES = frozenset(
    {
        "TooManyRequestsException",
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "ServiceException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "ResourceConflictException",  # an update is still in progress
        "EC2ThrottledException",
        "RequestTimeout",
        "RequestTimeoutException",
        "SlowDown",
    }
)
THROTTLING_CODES = frozenset(
    {"TooManyRequestsException", "ThrottlingException", "Throttling", "SlowDown"}
)


class SyncError(Exception):
    """A sync failed; `message` is one line for the user. `permanent` errors are not retried."""

    def __init__(
        self, message: str, *, permanent: bool, throttled: bool = False, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.throttled = throttled
        self.code = code  # the service's error code, when there is one

    def __str__(self) -> str:
        return self.message


# Lambda quotes the environment back in some errors ("... exceeded the 4KB limit. String
# measured: {"DB_PASSWORD":"..."}"): the values may be secrets, so they are cut.
_QUOTED_ENVIRONMENT = re.compile(r"(String measured:).*", re.DOTALL)


def redacted(message: str) -> str:
    return _QUOTED_ENVIRONMENT.sub(r"\1 (values not shown)", message)


def permanent(message: str) -> SyncError:
    return SyncError(message, permanent=True)


def classify(error: BaseException, where: str = "") -> SyncError:
    """`error` (from boto3, pip, packaging) as a SyncError with one clear line."""
    if isinstance(error, SyncError):
        return error
    prefix = f"{where}: " if where else ""
    boto: Any = None
    with contextlib.suppress(ImportError):  # boto3 is a dependency; be safe all the same
        boto = importlib.import_module("botocore.exceptions")
    if boto is not None:
        if isinstance(error, boto.ClientError):
            details: dict[str, Any] = error.response.get("Error", {})
            code = str(details.get("Code", "Error"))
            message = str(details.get("Message") or details.get("message") or "").strip()
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            message = redacted(message)
            text = f"{prefix}{code}: {message}" if message else f"{prefix}{code}"
            retry = code in RETRYABLE_CODES or status >= 500 or status == 429
            return SyncError(
                text,
                permanent=not retry,
                throttled=code in THROTTLING_CODES or status == 429,
                code=code,
            )
        network = (
            boto.EndpointConnectionError,
            boto.ConnectionClosedError,
            boto.ConnectTimeoutError,
            boto.ReadTimeoutError,
            boto.HTTPClientError,
        )
        if isinstance(error, network):
            return SyncError(f"{prefix}{error}", permanent=False)
        if isinstance(error, boto.WaiterError):
            reason = getattr(error, "last_response", {}) or {}
            detail = reason.get("LastUpdateStatusReason") or error.kwargs.get("reason", "")
            return SyncError(
                f"{prefix}the update did not finish: {detail or error}", permanent=True
            )
        if isinstance(error, boto.BotoCoreError):  # no credentials, no region, bad profile...
            return SyncError(f"{prefix}{error}", permanent=True)
    if isinstance(error, (ConnectionError, TimeoutError)):
        return SyncError(f"{prefix}{error}", permanent=False)
    text = str(error) or type(error).__name__
    return SyncError(f"{prefix}{text}", permanent=True)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay_s: float = 0.1
    max_delay_s: float = 5.0
    throttle_factor: float = 5.0  # throttling waits longer than a dropped connection

    def delay(self, attempt: int, error: SyncError) -> float:
        factor = self.throttle_factor if error.throttled else 1.0
        return float(min(self.max_delay_s, self.base_delay_s * factor * (2**attempt)))


def call_with_retries(
    call: Callable[..., T],
    *args: Any,
    policy: RetryPolicy = RetryPolicy(),
    where: str = "",
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> T:
    """`call(*args, **kwargs)`, retried on retryable errors. Raises SyncError."""
    attempt = 0
    while True:
        try:
            return call(*args, **kwargs)
        except Exception as raw:
            error = classify(raw, where)
            attempt += 1
            if error.permanent or attempt >= policy.attempts:
                raise error from None
            delay = policy.delay(attempt - 1, error)
            log.debug("retrying in %.2fs after: %s", delay, error.message)
            sleep(delay)


@dataclass(frozen=True)
class RetryingCall:
    """`call(method, where, **params)`: one boto3 call, retried under `policy` (what the
    deployer, the layer publisher and the URL sync share)."""

    policy: RetryPolicy

    def __call__(self, method: Callable[..., T], where: str, **params: Any) -> T:
        return call_with_retries(method, policy=self.policy, where=where, **params)
