"""The AWS credentials an execution environment gets, "as the execution role would give them".

In Lambda the runtime finds the execution role's temporary credentials in its environment
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``). Lamina fills the same
variables from one of three sources:

- ``--assume-role ARN``: STS AssumeRole on that role, from the base credentials of ``--profile``
  or of the developer's default chain (runtime/assume_role.py). These expire; :meth:`CredentialSource.current` assumes the
  role again once fewer than :data:`REFRESH_MARGIN_S` seconds remain.
- ``--profile NAME``: that profile's credentials, resolved by botocore (static keys, SSO,
  ``credential_process``, a profile that assumes a role, ...).
- neither: the developer's own default chain, with a one-line :attr:`CredentialSource.notice`.

``import botocore`` costs about 0.4 s, and ``lamina invoke`` must start fast, so the default chain
has two fast paths that never import it: credentials in the environment, and nothing configured at
all. botocore is imported lazily, and only ever called in a worker thread from async code.

Credentials never appear in a repr, a log line or an exception message. The types every source
shares are in runtime/credential_types.py.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from lamina.runtime.assume_role import ASSUME_ROLE_DURATION_S, AssumeRoleSource, session_name_for
from lamina.runtime.credential_types import (
    REFRESH_MARGIN_S,
    Credentials,
    CredentialsError,
    CredentialSource,
    as_utc,
    botocore_session,
    describe,
    files_hint,
    profile_not_found,
)

__all__ = [
    "CREDENTIAL_ENV_VARS",
    "REFRESH_MARGIN_S",
    "Credentials",
    "CredentialSource",
    "CredentialsError",
    "credential_source",
]


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
                self._session = botocore_session(self._profile)
                self._resolved = self._session.get_credentials()
            if self._resolved is None:
                if self._profile is not None:
                    raise CredentialsError(
                        f"AWS profile '{self._profile}' has no credentials ({files_hint()})"
                    )
                self.notice = NO_CREDENTIALS_NOTICE
                return None
            frozen = self._resolved.get_frozen_credentials()
        except botocore.exceptions.ProfileNotFound as exc:
            raise CredentialsError(profile_not_found(exc)) from None
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            what = f"AWS profile '{self._profile}'" if self._profile else "your default AWS"
            raise CredentialsError(f"cannot load {what} credentials: {describe(exc)}") from None
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
            expiry=as_utc(getattr(self._resolved, "_expiry_time", None)),
            source=source,
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
        name = session_name_for(session_name)
        return AssumeRoleSource(assume_role, profile, region, endpoint_url, name, duration_s)
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


def _default_chain_notice(source: str) -> str:
    return (
        f"using your default AWS credentials ({source}); "
        "pass --assume-role ARN to run with the function's role"
    )


def _parse_expiry(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return as_utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        return None
