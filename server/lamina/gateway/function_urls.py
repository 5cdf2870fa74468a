"""Function URLs, served locally at a stable path-prefixed URL.

`*.lambda-url.<region>.on.aws` names cannot reach this machine, and `*.localhost` names don't
resolve for Python here, so each URL lives under `/lambda-url/<url-id>/` on the server's own
port (the prefix is stripped from `rawPath`). A Host header `<url-id>.lambda-url.<region>.localhost`
reaches the same function, as the real host name would.

`AuthType: AWS_IAM` checks that a SigV4 signature is present and well formed (not that it is
valid: there are no real credentials to check it against).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from lamina.gateway.cors import CorsRules
from lamina.gateway.http_types import HttpRequest
from lamina.gateway.routes import ANY, DEFAULT_ROUTE, Api, ApiKind, Route

URL_PREFIX = "/lambda-url/"
AUTH_NONE = "NONE"
AUTH_IAM = "AWS_IAM"
STREAM = "RESPONSE_STREAM"  # InvokeMode of a URL whose answers stream
# As recorded (test_lambda_url_persists_after_alias_delete, test_lambda_permission_url_invocation).
FORBIDDEN_BODY = json.dumps(
    {
        "Message": "Forbidden. For troubleshooting Function URL authorization issues, see: "
        "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
    }
).encode()
FORBIDDEN_HEADERS = (
    ("Content-Type", "application/json"),
    ("x-amzn-ErrorType", "AccessDeniedException"),
)
_SIGV4 = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=[A-Za-z0-9]+/\d{8}/[a-z0-9-]+/lambda/aws4_request,\s*"
    r"SignedHeaders=[a-z0-9;-]+,\s*Signature=[0-9a-f]{64}$"
)


def url_id_for(function_name: str, qualifier: str | None = None) -> str:
    """A stable 32-character id like AWS's, from the function's name (and qualifier)."""
    digest = hashlib.sha256(f"{function_name}:{qualifier or ''}".encode()).hexdigest()
    return "".join(chr(ord("a") + int(c, 16) % 26) if c.isdigit() else c for c in digest[:32])


@dataclass(frozen=True)
class FunctionUrl:
    url_id: str
    function: str  # the function the URL invokes (a logical id for lamina api)
    auth_type: str = AUTH_NONE
    invoke_mode: str = "BUFFERED"
    cors: CorsRules | None = None  # the config's Cors (an HTTP API's semantics)

    def route(self) -> Route:
        api = Api(logical_id=self.url_id, kind=ApiKind.FUNCTION_URL, stage="$default")
        return Route(api, ANY, DEFAULT_ROUTE, self.function, "2.0")

    def local_url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}{URL_PREFIX}{self.url_id}/"


def split_function_url(request: HttpRequest) -> tuple[str, str] | None:
    """(url id, the path the function sees) when the request is for a Function URL."""
    host = request.host.split(":", 1)[0].lower()
    if ".lambda-url." in host:
        return host.split(".", 1)[0], request.path or "/"
    if request.path.startswith(URL_PREFIX):
        url_id, _, rest = request.path[len(URL_PREFIX) :].partition("/")
        return url_id, "/" + rest
    return None


def signature_problem(request: HttpRequest) -> str | None:
    """Why an AWS_IAM Function URL request is not signed (None when it looks signed)."""
    authorization = request.header("authorization")
    if not authorization:
        return "no Authorization header (AuthType AWS_IAM needs a SigV4 signature)"
    if not _SIGV4.match(authorization.strip()):
        return "the Authorization header is not a well-formed SigV4 signature for lambda"
    if not request.header("x-amz-date"):
        return "no X-Amz-Date header (SigV4 needs one)"
    return None
