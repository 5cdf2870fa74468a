"""``--assume-role``: STS AssumeRole on the function's role, from the base credentials of
``--profile`` or of the developer's default chain, assumed again shortly before the session
expires (runtime/credentials.py picks this source)."""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from lamina.runtime.credential_types import (
    Credentials,
    CredentialsError,
    CredentialSource,
    as_utc,
    botocore_session,
    describe,
    profile_not_found,
)

logger = logging.getLogger("lamina.runtime.credentials")  # where these lines have always gone

#: How long assumed-role credentials are asked to last (the default role maximum is 1 h).
ASSUME_ROLE_DURATION_S = 3600
_SESSION_NAME_BAD_CHARS = re.compile(r"[^\w+=,.@-]")


class AssumeRoleSource(CredentialSource):
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
            raise CredentialsError(profile_not_found(exc)) from None
        except botocore.exceptions.NoCredentialsError:
            raise CredentialsError(
                f"cannot assume role {self.role_arn}: no base AWS credentials found "
                "(pass --profile, or configure your default credentials)"
            ) from None
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise CredentialsError(f"cannot assume role {self.role_arn}: {describe(exc)}") from None
        issued = response["Credentials"]
        base = f"profile {self._profile}" if self._profile else "your default credentials"
        creds = Credentials(
            access_key_id=issued["AccessKeyId"],
            secret_access_key=issued["SecretAccessKey"],
            session_token=issued.get("SessionToken"),
            expiry=as_utc(issued.get("Expiration")),
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

        session = botocore_session(self._profile)
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


def session_name_for(name: str | None) -> str:
    """The STS session's name: `name`, or ``lamina-<user>-<pid>``, made valid."""
    return _valid_session_name(name or f"lamina-{_user()}-{os.getpid()}")


def _user() -> str:
    try:
        import getpass  # here: it pulls in termios, which the common path never needs

        return getpass.getuser()
    except Exception:  # no login name and no passwd entry, e.g. in some containers
        return "user"


def _valid_session_name(name: str) -> str:
    """A valid RoleSessionName: 2-64 characters of [\\w+=,.@-]."""
    return _SESSION_NAME_BAD_CHARS.sub("-", name)[:64].ljust(2, "-")
