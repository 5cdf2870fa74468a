"""`AWS_IAM` authorization on API routes: the SigV4 signature checked as API Gateway checks it.

The signature is verified by signing the request again (botocore's SigV4 signer, with the
secret of the access key the request names, for the scope the request names) and comparing.
Lamina knows the secrets of the credentials it runs with (see `IamKeys`); a key it does not
know is refused as AWS refuses one it has never issued. Answers, as API Gateway's:

- no `Authorization` header: REST 403 `Missing Authentication Token`; HTTP APIs 403 `Forbidden`;
- an unknown access key: 403 `The security token included in the request is invalid.`;
- a signature that does not match, or an `X-Amz-Date` more than 5 minutes off: 403
  (InvalidSignatureException).

The caller reaches the function as `requestContext.identity` (payload 1.0) and, for HTTP APIs
with payload 2.0, `requestContext.authorizer.iam`. Lamina cannot ask IAM who owns a key, so the
caller and user ids are the access key id and the user ARN is
`arn:aws:iam::<account>:user/<access key id>` (see docs/http.md).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from lamina.gateway.authorizers import Denied
from lamina.gateway.http_types import HttpRequest, HttpResponse
from lamina.gateway.responses import message_response

AWS_IAM = "AWS_IAM"
SERVICE = "execute-api"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_SKEW = timedelta(minutes=5)  # how far X-Amz-Date may be from now, as SigV4 allows
_HEADER = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request,"
    r"\s*SignedHeaders=([a-z0-9;._-]+),\s*Signature=([0-9a-f]{64})$"
)
INVALID_TOKEN = "The security token included in the request is invalid."
BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)

# An access key id -> its secret access key (None: a key Lamina does not know).
SecretOf = Callable[[str], Awaitable[str | None]]


@dataclass(frozen=True)
class IamAuthorizer:
    """A route whose callers must sign their requests (`Authorizer: AWS_IAM`)."""

    http_api: bool = False
    name: str = AWS_IAM


@dataclass(frozen=True)
class Caller:
    access_key: str
    account_id: str

    @property
    def user_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:user/{self.access_key}"

    def identity(self) -> dict[str, Any]:
        """The fields of a payload 1.0 event's `requestContext.identity`."""
        return {
            "accessKey": self.access_key,
            "accountId": self.account_id,
            "caller": self.access_key,
            "user": self.access_key,
            "userArn": self.user_arn,
        }

    def iam(self) -> dict[str, Any]:
        """An HTTP API 2.0 event's `requestContext.authorizer.iam`."""
        return {
            "accessKey": self.access_key,
            "accountId": self.account_id,
            "callerId": self.access_key,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": self.user_arn,
            "userId": self.access_key,
        }


def _refused(message: str, error_type: str, why: str) -> Denied:
    return Denied(message_response(403, message, error_type), why)


def missing_signature(http_api: bool) -> HttpResponse:
    if http_api:
        return message_response(403, "Forbidden")
    return message_response(
        403, "Missing Authentication Token", "MissingAuthenticationTokenException"
    )


async def verify(
    authorizer: IamAuthorizer,
    request: HttpRequest,
    secret_of: SecretOf,
    account_id: str,
    now: datetime | None = None,
) -> Caller:
    """The signer of `request`, or Denied with API Gateway's answer."""
    authorization = (request.header("authorization") or "").strip()
    if not authorization:
        raise Denied(missing_signature(authorizer.http_api), "AWS_IAM: the request is not signed")
    parts = _HEADER.match(authorization)
    if parts is None:
        raise _refused(
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders'.",
            "IncompleteSignatureException",
            "AWS_IAM: the Authorization header is not a SigV4 signature",
        )
    access_key, day, region, service, signed_headers, signature = parts.groups()
    stamp = request.header("x-amz-date") or ""
    try:
        when = datetime.strptime(stamp, _AMZ_DATE).replace(tzinfo=timezone.utc)
    except ValueError:
        raise _refused(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
            "IncompleteSignatureException",
            "AWS_IAM: no valid X-Amz-Date header",
        ) from None
    if service != SERVICE or stamp[:8] != day:
        raise _refused(
            f"Credential should be scoped to correct service: '{SERVICE}'."
            if service != SERVICE
            else "Credential should be scoped to a valid date.",
            "InvalidSignatureException",
            f"AWS_IAM: the credential scope {day}/{region}/{service} does not fit",
        )
    current = now or datetime.now(timezone.utc)
    if abs(current - when) > _SKEW:
        earliest = (current - _SKEW).strftime(_AMZ_DATE)
        raise _refused(
            f"Signature expired: {stamp} is now earlier than {earliest} "
            f"({current.strftime(_AMZ_DATE)} - 5 min.)",
            "InvalidSignatureException",
            "AWS_IAM: X-Amz-Date is more than 5 minutes from now",
        )
    secret = await secret_of(access_key)
    if secret is None:
        raise _refused(
            INVALID_TOKEN,
            "UnrecognizedClientException",
            f"AWS_IAM: access key {access_key} is not one Lamina runs with (see docs/http.md)",
        )
    expected = resign(request, access_key, secret, region, stamp, signed_headers.split(";"))
    if not hmac.compare_digest(expected, signature):
        raise _refused(BAD_SIGNATURE, "InvalidSignatureException", "AWS_IAM: wrong signature")
    return Caller(access_key, account_id)


def resign(
    request: HttpRequest,
    access_key: str,
    secret: str,
    region: str,
    stamp: str,
    signed_headers: list[str],
) -> str:
    """The SigV4 signature of `request` over `signed_headers`, as its signer computed it."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    wanted = set(signed_headers)
    token = request.header("x-amz-security-token")
    query = f"?{request.query}" if request.query else ""
    url = f"http://{request.host}{request.path}{query}"
    signed = AWSRequest(method=request.method, url=url, data=request.body)
    for name, value in request.headers:
        if name.lower() in wanted:
            signed.headers[name] = value  # adds: a repeated header is signed with all values
    signed.context["timestamp"] = stamp
    signer = SigV4Auth(Credentials(access_key, secret, token), SERVICE, region)
    canonical = signer.canonical_request(signed)
    return str(signer.signature(signer.string_to_sign(signed, canonical), signed))
