"""The AWS credentials an execution environment gets, "as the execution role would give them".

In Lambda the runtime finds the execution role's temporary credentials in its environment
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``). Lamina fills the same
variables from one of three sources:

- ``--assume-role ARN``: STS AssumeRole on that role, from the base credentials of ``--profile``
  or of the developer's default chain. These expire; :meth:`CredentialSource.current` assumes the
  role again once fewer than :data:`REFRESH_MARGIN_S` seconds remain.
- ``--profile NAME``: that profile's credentials, resolved by botocore (static keys, SSO,
  ``credential_process``, a profile that assumes a role, ...).
- neither: the developer's own default chain, with a one-line :attr:`CredentialSource.notice`.

``import botocore`` costs about 0.4 s, and ``lamina invoke`` must start fast, so the default chain
has two fast paths that never import it: credentials in the environment, and nothing configured at
all. botocore is imported lazily, and only ever called in a worker thread from async code.

Credentials never appear in a repr, a log line or an exception message.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = [
    "CREDENTIAL_ENV_VARS",
    "REFRESH_MARGIN_S",
    "Credentials",
    "CredentialSource",
    "CredentialsError",
    "credential_source",
]

logger = logging.getLogger(__name__)

#: Refresh credentials once fewer than this many seconds remain before they expire.
REFRESH_MARGIN_S = 300.0
#: How long assumed-role credentials are asked to last (the default role maximum is 1 h).
ASSUME_ROLE_DURATION_S = 3600

#: Variables through which an SDK in the child could find credentials other than the ones Lamina
#: gives it. Whoever builds an environment's variables should drop these from the inherited
#: environment before adding :meth:`Credentials.as_env`, so the function sees the role's
#: credentials (or none), never the developer's.
CREDENTIAL_ENV_VARS: tuple[str, ...] = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_CREDENTIAL_FILE",
    "BOTO_CONFIG",
)

NO_CREDENTIALS_NOTICE = "no AWS credentials found; the function runs without any"

# Any of these means botocore's default chain may find credentials (beyond plain env keys).
_CHAIN_ENV_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CREDENTIAL_FILE",
    "BOTO_CONFIG",
)
_BOTOCORE_METHODS = {
    "env": "environment",
    "shared-credentials-file": "shared credentials file",
    "config-file": "config file",
    "sso": "SSO",
    "login": "console login",
    "assume-role": "assumed role from the config file",
    "custom-process": "credential_process",
    "assume-role-with-web-identity": "web identity token",
    "container-role": "container credentials endpoint",
    "iam-role": "EC2 instance metadata",
    "ec2-credentials-file": "AWS_CREDENTIAL_FILE",
    "boto-config": "boto config file",
}
_SESSION_NAME_BAD_CHARS = re.compile(r"[^\w+=,.@-]")


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


class _FixedSource(CredentialSource):
    """Credentials known up front (from the environment), or none at all."""

    def __init__(self, creds: Credentials | None, notice: str | None) -> None:
        super().__init__(notice)
        self._cached = creds
        self._loaded = True

    def needs_refresh(self, creds: Credentials | None, margin_s: float = REFRESH_MARGIN_S) -> bool:
        # Nothing newer to get: the environment is what it is (even if AWS_CREDENTIAL_EXPIRATION
        # says they expire soon), and replacing environments would only hand out the same ones.
        return False

    def _load(self) -> Credentials | None:
        return self._cached


class _BotocoreSource(CredentialSource):
    """A named profile, or the default chain, resolved by botocore (which refreshes its own)."""

    def __init__(self, profile: str | None) -> None:
        super().__init__()
        self._profile = profile
        self._session: Any = None
        self._resolved: Any = None  # botocore Credentials (maybe refreshable), once found

    def _load(self) -> Credentials | None:
        import botocore.exceptions

        try:
            if self._resolved is None:
                self._session = _botocore_session(self._profile)
                self._resolved = self._session.get_credentials()
            if self._resolved is None:
                if self._profile is not None:
                    raise CredentialsError(
                        f"AWS profile '{self._profile}' has no credentials ({_files_hint()})"
                    )
                self.notice = NO_CREDENTIALS_NOTICE
                return None
            frozen = self._resolved.get_frozen_credentials()
        except botocore.exceptions.ProfileNotFound as exc:
            raise CredentialsError(_profile_not_found(exc)) from None
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            what = f"AWS profile '{self._profile}'" if self._profile else "your default AWS"
            raise CredentialsError(f"cannot load {what} credentials: {_describe(exc)}") from None
        if self._profile is not None:
            source = f"profile {self._profile}"
        else:
            method = getattr(self._resolved, "method", None) or "unknown"
            source = _BOTOCORE_METHODS.get(method, method)
            if method != "env":
                profile = self._session.get_config_variable("profile") or "default"
                source = f"{source} (profile {profile})"
            self.notice = _default_chain_notice(source)
        return Credentials(
            access_key_id=frozen.access_key,
            secret_access_key=frozen.secret_key,
            session_token=frozen.token or None,
            expiry=_as_utc(getattr(self._resolved, "_expiry_time", None)),
            source=source,
        )


class _AssumeRoleSource(CredentialSource):
    """STS AssumeRole on the function's role, assumed again shortly before the session expires."""

    def __init__(
        self,
        role_arn: str,
        profile: str | None,
        region: str | None,
        endpoint_url: str | None,
        session_name: str,
        duration_s: int,
    ) -> None:
        super().__init__()
        self.role_arn = role_arn
        self._profile = profile
        self._region = region
        self._endpoint_url = endpoint_url
        self._session_name = session_name
        self._duration_s = duration_s
        self._sts: Any = None

    def _load(self) -> Credentials | None:
        import botocore.exceptions

        try:
            if self._sts is None:
                self._sts = self._create_sts_client()
            response = self._sts.assume_role(
                RoleArn=self.role_arn,
                RoleSessionName=self._session_name,
                DurationSeconds=self._duration_s,
            )
        except botocore.exceptions.ProfileNotFound as exc:
            raise CredentialsError(_profile_not_found(exc)) from None
        except botocore.exceptions.NoCredentialsError:
            raise CredentialsError(
                f"cannot assume role {self.role_arn}: no base AWS credentials found "
                "(pass --profile, or configure your default credentials)"
            ) from None
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise CredentialsError(
                f"cannot assume role {self.role_arn}: {_describe(exc)}"
            ) from None
        issued = response["Credentials"]
        base = f"profile {self._profile}" if self._profile else "your default credentials"
        creds = Credentials(
            access_key_id=issued["AccessKeyId"],
            secret_access_key=issued["SecretAccessKey"],
            session_token=issued.get("SessionToken"),
            expiry=_as_utc(issued.get("Expiration")),
            source=f"assumed role {self.role_arn} (from {base})",
        )
        logger.info(
            "assumed role %s as session %s; expires %s",
            self.role_arn,
            self._session_name,
            creds.expiry.isoformat() if creds.expiry else "never",
        )
        return creds

    def _create_sts_client(self) -> Any:
        import botocore.config

        session = _botocore_session(self._profile)
        region = (
            self._region
            or os.environ.get("AWS_REGION")
            or session.get_config_variable("region")
            or "us-east-1"
        )
        config = botocore.config.Config(
            connect_timeout=5,
            read_timeout=20,
            retries={"max_attempts": 3, "mode": "standard"},
        )
        # endpoint_url=None lets botocore resolve it, honouring AWS_ENDPOINT_URL_STS/AWS_ENDPOINT_URL.
        return session.create_client(
            "sts", region_name=region, endpoint_url=self._endpoint_url, config=config
        )


def credential_source(
    assume_role: str | None,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None = None,
    *,
    session_name: str | None = None,
    duration_s: int = ASSUME_ROLE_DURATION_S,
) -> CredentialSource:
    """Pick the source for ``--assume-role`` / ``--profile`` / neither. Never blocks, never
    imports botocore, never raises: errors surface from :meth:`CredentialSource.current`.

    ``session_name`` names the STS session (default ``lamina-<user>-<pid>``); pass one such as
    ``lamina-<function>`` to see it in CloudTrail. ``endpoint_url`` is the STS endpoint.
    """
    if assume_role:
        name = _session_name(session_name or f"lamina-{_user()}-{os.getpid()}")
        return _AssumeRoleSource(assume_role, profile, region, endpoint_url, name, duration_s)
    if profile:
        return _BotocoreSource(profile)
    env_creds = _credentials_from_environ()
    if env_creds is not None:
        return _FixedSource(env_creds, _default_chain_notice(env_creds.source))
    if not _anything_configured():
        # Deliberately no IMDS probe here: off EC2, botocore's instance-metadata lookup waits
        # for a connect timeout (1 s+, with retries) on every start of `lamina invoke`, only
        # to find nothing. A developer on an EC2 box with an instance role and no ~/.aws
        # files can still pass --profile or --assume-role.
        return _FixedSource(None, NO_CREDENTIALS_NOTICE)
    return _BotocoreSource(None)


def _credentials_from_environ() -> Credentials | None:
    """Credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, as botocore's env provider."""
    access_key = os.environ.get("AWS_ACCESS_KEY_ID")
    secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not access_key or not secret_key:
        return None
    token = os.environ.get("AWS_SESSION_TOKEN") or os.environ.get("AWS_SECURITY_TOKEN") or None
    return Credentials(
        access_key_id=access_key,
        secret_access_key=secret_key,
        session_token=token,
        expiry=_parse_expiry(os.environ.get("AWS_CREDENTIAL_EXPIRATION")),
        source="environment",
    )


def _anything_configured() -> bool:
    """Whether botocore's default chain (IMDS aside) could find credentials anywhere."""
    if any(os.environ.get(name) for name in _CHAIN_ENV_VARS):
        return True
    files = (
        os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials",
        os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config",
        "~/.boto",
        "/etc/boto.cfg",
    )
    return any(os.path.isfile(os.path.expanduser(path)) for path in files)


def _botocore_session(profile: str | None) -> Any:
    import botocore.session

    return botocore.session.Session(profile=profile)


def _default_chain_notice(source: str) -> str:
    return (
        f"using your default AWS credentials ({source}); "
        "pass --assume-role ARN to run with the function's role"
    )


def _files_hint() -> str:
    config = os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    shared = os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return f"in {config} or {shared}"


def _profile_not_found(exc: Exception) -> str:
    profile = getattr(exc, "kwargs", {}).get("profile", "?")
    return f"AWS profile '{profile}' not found ({_files_hint()})"


def _describe(exc: Exception) -> str:
    """One line for a botocore error: the AWS error code and message, or the botocore message."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        code = error.get("Code") or type(exc).__name__
        message = error.get("Message") or ""
        return f"{code}: {message}".rstrip(": ").replace("\n", " ")
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")


def _as_utc(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _parse_expiry(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return _as_utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _user() -> str:
    try:
        import getpass  # here: it pulls in termios, which the common path never needs

        return getpass.getuser()
    except Exception:  # no login name and no passwd entry, e.g. in some containers
        return "user"


def _session_name(name: str) -> str:
    """A valid RoleSessionName: 2-64 characters of [\\w+=,.@-]."""
    return _SESSION_NAME_BAD_CHARS.sub("-", name)[:64].ljust(2, "-")
