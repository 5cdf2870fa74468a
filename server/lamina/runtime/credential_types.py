"""What every credential source shares: the credentials, the error, the source's caching and
refresh, and the helpers for botocore's answers (runtime/credentials.py picks a source;
runtime/assume_role.py is one). botocore is imported lazily, never at import time.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

#: Refresh credentials once fewer than this many seconds remain before they expire.
REFRESH_MARGIN_S = 300.0


class CredentialsError(Exception):
    """Credentials could not be had. The message is one line for the user and holds no secret."""


@dataclass(frozen=True, repr=False)
class Credentials:
    """One set of AWS credentials. Its repr shows only the last 4 characters of the key id."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None
    expiry: datetime | None  # UTC, tz-aware; None when they do not expire (or nobody said when)
    source: str  # where they came from, for humans: "assumed role arn:...", "profile dev", ...

    def __repr__(self) -> str:
        expiry = self.expiry.isoformat() if self.expiry is not None else None
        return (
            f"Credentials(access_key_id='****{self.access_key_id[-4:]}', "
            f"secret_access_key='****', session_token={'****' if self.session_token else None}, "
            f"expiry={expiry}, source={self.source!r})"
        )

    __str__ = __repr__

    def as_env(self) -> dict[str, str]:
        """The variables Lambda sets for the execution role's credentials."""
        env = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


class CredentialSource:
    """Where an execution environment's credentials come from.

    Call :meth:`current` each time an environment is started. It returns cached credentials
    while they are fresh and fetches new ones (in a worker thread) when they are about to expire.
    An environment keeps the credentials it was started with, so before reusing a warm one, check
    ``source.needs_refresh(env_credentials)`` and replace the environment when it says True.

    :attr:`notice` is a line to show the user (or None). For the developer's default chain it is
    known only after the first :meth:`current`.
    """

    def __init__(self, notice: str | None = None) -> None:
        self.notice = notice
        self._lock = threading.Lock()
        self._loaded = False
        self._cached: Credentials | None = None

    async def current(self) -> Credentials | None:
        """Fresh credentials, or None when the function runs without any.

        Raises :class:`CredentialsError`. Blocking work (botocore, STS) runs in a thread.
        """
        if self._loaded and not self.needs_refresh(self._cached):
            return self._cached
        import asyncio  # here, not at the top: the CLI resolves credentials before asyncio loads

        return await asyncio.to_thread(self.current_sync)

    def current_sync(self) -> Credentials | None:
        """:meth:`current` for code that is not async; it may block on the network."""
        with self._lock:
            if not self._loaded or self.needs_refresh(self._cached):
                self._cached = self._load()
                self._loaded = True
            return self._cached

    def needs_refresh(self, creds: Credentials | None, margin_s: float = REFRESH_MARGIN_S) -> bool:
        """True when ``creds`` expire in fewer than ``margin_s`` seconds (or already have) and
        this source can get newer ones, i.e. when an environment holding them should be replaced.
        """
        if creds is None or creds.expiry is None:
            return False
        remaining = creds.expiry - datetime.now(timezone.utc)
        return remaining < timedelta(seconds=margin_s)

    def _load(self) -> Credentials | None:
        """Fetch credentials; called under the lock, in a worker thread when called from async."""
        raise NotImplementedError


def botocore_session(profile: str | None) -> Any:
    import botocore.session

    return botocore.session.Session(profile=profile)


def files_hint() -> str:
    config = os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    shared = os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return f"in {config} or {shared}"


def profile_not_found(exc: Exception) -> str:
    profile = getattr(exc, "kwargs", {}).get("profile", "?")
    return f"AWS profile '{profile}' not found ({files_hint()})"


def describe(exc: Exception) -> str:
    """One line for a botocore error: the AWS error code and message, or the botocore message."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        code = error.get("Code") or type(exc).__name__
        message = error.get("Message") or ""
        return f"{code}: {message}".rstrip(": ").replace("\n", " ")
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")


def as_utc(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
