"""`AWS_IAM` on API routes: requests signed with botocore's SigV4 signer pass, with the caller
in the event; unsigned, wrongly signed, unknown-key and stale requests get API Gateway's 403s."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from gateway.harness import ApiProcess

KEY = "AKIALAMINAIAMTEST01"
SECRET = "iam-test-secret-access-key"
ACCOUNT = "123456789012"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/{KEY}"
BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


@pytest.fixture(scope="module")
def iam(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    env = {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET}
    api = ApiProcess("iam", tmp_path_factory.mktemp("iam"), env=env)
    try:
        yield api
    finally:
        api.stop()


def signed(
    method: str, url: str, body: bytes = b"", key: str = KEY, secret: str = SECRET
) -> AWSRequest:
    request = AWSRequest(method=method, url=url, data=body)
    SigV4Auth(Credentials(key, secret), "execute-api", "us-east-1").add_auth(request)
    return request


def send(request: AWSRequest, body: bytes | None = None) -> requests.Response:
    data = request.body if body is None else body
    return requests.request(
        request.method, request.url, headers=dict(request.headers), data=data, timeout=30
    )


def answer(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_a_signed_rest_request_reaches_the_function_with_its_caller(iam: ApiProcess) -> None:
    got = answer(send(signed("POST", iam.url + "/signed?b=2&a=1", b'{"n": 1}')))
    assert got["body"] == '{"n": 1}'
    identity = got["identity"]
    assert identity["accessKey"] == KEY
    assert (identity["caller"], identity["user"], identity["userArn"]) == (KEY, KEY, USER_ARN)
    assert identity["accountId"] == ACCOUNT
    assert identity["sourceIp"] == "127.0.0.1"


def test_an_unsigned_rest_request_is_missing_its_token(iam: ApiProcess) -> None:
    response = requests.get(iam.url + "/signed", timeout=30)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    iam.wait_for_log("GET /signed 403 → RestFunction")


def test_a_route_with_authorizer_none_needs_no_signature(iam: ApiProcess) -> None:
    assert answer(requests.get(iam.url + "/open", timeout=30))["identity"]["accessKey"] is None


@pytest.mark.parametrize(
    ("key", "secret", "message", "error_type"),
    [
        (KEY, "not-the-secret", BAD_SIGNATURE, "InvalidSignatureException"),
        (
            "AKIANOBODYKNOWSTHIS",
            SECRET,
            "The security token included in the request is invalid.",
            "UnrecognizedClientException",
        ),
    ],
)
def test_a_wrong_secret_or_an_unknown_key_is_refused(
    iam: ApiProcess, key: str, secret: str, message: str, error_type: str
) -> None:
    response = send(signed("GET", iam.url + "/signed", key=key, secret=secret))
    assert (response.status_code, response.json()) == (403, {"message": message})
    assert response.headers["x-amzn-ErrorType"] == error_type


def test_a_body_changed_after_signing_is_refused(iam: ApiProcess) -> None:
    request = signed("PUT", iam.url + "/signed", b"original")
    response = send(request, body=b"tampered")
    assert (response.status_code, response.json()) == (403, {"message": BAD_SIGNATURE})


def test_a_signature_older_than_five_minutes_has_expired(iam: ApiProcess) -> None:
    request = AWSRequest(method="GET", url=iam.url + "/signed")
    stamp = (datetime.now(timezone.utc) - timedelta(minutes=10)).strftime("%Y%m%dT%H%M%SZ")
    request.headers["X-Amz-Date"] = stamp
    request.context["timestamp"] = stamp
    signer = SigV4Auth(Credentials(KEY, SECRET), "execute-api", "us-east-1")
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    request.headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={signer.scope(request)}, "
        f"SignedHeaders={signer.signed_headers(signer.headers_to_sign(request))}, "
        f"Signature={signature}"
    )
    response = send(request)
    assert response.status_code == 403
    assert response.json()["message"].startswith(f"Signature expired: {stamp} is now earlier")


def test_an_http_api_route_puts_the_caller_in_authorizer_iam(iam: ApiProcess) -> None:
    got = answer(send(signed("GET", iam.url + "/h/signed")))
    assert got["authorizer"] == {
        "iam": {
            "accessKey": KEY,
            "accountId": ACCOUNT,
            "callerId": KEY,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": USER_ARN,
            "userId": KEY,
        }
    }
    unsigned = requests.get(iam.url + "/h/signed", timeout=30)
    assert (unsigned.status_code, unsigned.json()) == (403, {"message": "Forbidden"})


def test_an_http_api_route_with_payload_1_fills_the_identity(iam: ApiProcess) -> None:
    identity = answer(send(signed("GET", iam.url + "/h/old")))["identity"]
    assert (identity["accessKey"], identity["userArn"]) == (KEY, USER_ARN)


def test_openapi_sigv4_security_schemes_are_aws_iam(iam: ApiProcess) -> None:
    """An inline DefinitionBody whose operation (or document) security names a scheme with
    `x-amazon-apigateway-authtype: awsSigv4` is AWS_IAM; `security: []` opts an operation out."""
    got = answer(send(signed("POST", iam.url + "/o/signed", b"{}")))
    assert got["identity"]["userArn"] == USER_ARN
    unsigned = requests.post(iam.url + "/o/signed", data=b"{}", timeout=30)
    assert unsigned.status_code == 403
    assert unsigned.json() == {"message": "Missing Authentication Token"}
    assert answer(requests.get(iam.url + "/o/open", timeout=30))["identity"]["accessKey"] is None

    got = answer(send(signed("GET", iam.url + "/oh/signed")))
    assert got["authorizer"]["iam"]["userArn"] == USER_ARN
    unsigned = requests.get(iam.url + "/oh/signed", timeout=30)
    assert (unsigned.status_code, unsigned.json()) == (403, {"message": "Forbidden"})
    assert answer(requests.get(iam.url + "/oh/open", timeout=30))["authorizer"] is None
