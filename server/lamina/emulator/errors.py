"""Lambda API errors as AWS puts them on the wire.

The header `x-amzn-ErrorType: <Code>` names the error (botocore reads it first), the body is
`{"Type": "User", "message": "..."}`, and the status is the one botocore's model gives the code,
so boto3 raises `client.exceptions.ResourceNotFoundException` and friends.
"""

from __future__ import annotations

import json
import uuid

from aiohttp import web

STATUS = {
    "InvalidParameterValueException": 400,
    "InvalidRequestContentException": 400,
    "ValidationException": 400,
    "ResourceNotFoundException": 404,
    "ResourceConflictException": 409,
    "CodeSigningConfigNotFoundException": 404,
    "CodeVerificationFailedException": 400,
    "InvalidCodeSignatureException": 400,
    "ResourceInUseException": 400,
    "PreconditionFailedException": 412,
    "RequestTooLargeException": 413,
    "RequestEntityTooLargeException": 413,
    "UnsupportedMediaTypeException": 415,
    "TooManyRequestsException": 429,
    "ServiceException": 500,
    "NotImplementedException": 501,
    "UnknownOperationException": 404,
}


# Error shapes of botocore's model whose message member is spelled "Message" (the rest have
# "message"); boto3 shows that member in the error response.
CAPITALISED_MESSAGE = frozenset(
    {
        "CodeSigningConfigNotFoundException", "CodeVerificationFailedException",
        "InvalidCodeSignatureException", "InvalidRuntimeException", "InvalidZipFileException",
        "NoPublishedVersionException", "PublicPolicyException", "RecursiveInvocationException",
        "ResourceInUseException", "ResourceNotFoundException", "ServiceException",
        "ServiceQuotaExceededException", "SnapStartException", "SnapStartNotReadyException",
    }
)  # fmt: skip


class LambdaError(Exception):
    """An error the API answers with. `extra` adds body fields (e.g. TooManyRequests' Reason)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        error_type: str = "User",
        extra: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status if status is not None else STATUS.get(code, 400)
        self.error_type = error_type
        self.extra = extra or {}
        self.headers = headers or {}

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) as the wire carries them (the front's answer)."""
        body: dict[str, object] = {"message": self.message} if self.message else {}
        if self.error_type:  # some of AWS's errors (code signing's 404) have no Type
            body["Type"] = self.error_type
        if self.code in CAPITALISED_MESSAGE:
            body["Message"] = self.message  # these shapes spell their member Message
        body.update(self.extra)
        headers = {
            "x-amzn-ErrorType": self.code,
            "x-amzn-RequestId": str(uuid.uuid4()),
            **self.headers,
        }
        return self.status, headers, json.dumps(body).encode()

    def response(self) -> web.Response:
        status, headers, body = self.answer()
        return web.Response(
            status=status, body=body, content_type="application/json", headers=headers
        )


def not_found(message: str) -> LambdaError:
    return LambdaError("ResourceNotFoundException", message)


def function_not_found(arn: str) -> LambdaError:
    return not_found(f"Function not found: {arn}")


def invalid(message: str) -> LambdaError:
    return LambdaError("InvalidParameterValueException", message)


def conflict(message: str) -> LambdaError:
    return LambdaError("ResourceConflictException", message)


def validation(value: object, member: str, constraint: str) -> LambdaError:
    """AWS's wording for a request that breaks the model's constraints (a missing value is
    `Value null`, unquoted, as AWS prints it)."""
    shown = "null" if value is None else f"'{value}'"
    return LambdaError(
        "ValidationException",
        f"1 validation error detected: Value {shown} at '{member}' failed to satisfy "
        f"constraint: {constraint}",
    )


def revision_mismatch(kind: str = "GetFunction/GetAlias") -> LambdaError:
    """AWS's wording (the same for functions, versions and aliases; GetPolicy for policies)."""
    return LambdaError(
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. "
        f"Call the {kind} API to retrieve the latest Revision Id",
    )


def update_in_progress(arn: str) -> LambdaError:
    return conflict(
        "The operation cannot be performed at this time. "
        f"An update is in progress for resource: {arn}"
    )


# Operations that take code: AWS refuses an oversized request with another code (and no Type).
UPLOAD_OPERATIONS = frozenset({"CreateFunction", "UpdateFunctionCode", "PublishLayerVersion"})


def too_large(limit: int, operation: str) -> LambdaError:
    message = f"Request must be smaller than {limit} bytes for the {operation} operation"
    if operation in UPLOAD_OPERATIONS:
        return entity_too_large(message)
    return LambdaError("RequestTooLargeException", message)


def entity_too_large(message: str) -> LambdaError:
    """AWS's 413 for an oversized upload (as recorded: RequestEntityTooLargeException)."""
    return LambdaError("RequestEntityTooLargeException", message, status=413, error_type="")


def throttled(reason: str, message: str = "Rate Exceeded.") -> LambdaError:
    return LambdaError(
        "TooManyRequestsException",
        message,
        extra={"Reason": reason},
        headers={"Retry-After": "1"},
    )
