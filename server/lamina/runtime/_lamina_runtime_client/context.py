"""The context object, as awslambdaric's LambdaContext, and the invocation being run."""

from __future__ import annotations

import json
import os
import sys
import time

from .errors import FaultException

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class CurrentInvocation:
    """The invocation being run: read by the log filter, as awslambdaric's _GLOBAL_AWS_REQUEST_ID."""

    request_id: str = ""
    tenant_id: str | None = None


CURRENT = CurrentInvocation()


class LambdaContext:
    def __init__(
        self,
        invoke_id: str,
        client_context: dict[str, Any] | None,
        cognito_identity: dict[str, Any] | None,
        epoch_deadline_time_in_ms: int,
        invoked_function_arn: str | None = None,
        tenant_id: str | None = None,
    ) -> None:
        self.aws_request_id = invoke_id
        (
            self.log_group_name,
            self.log_stream_name,
            self.function_name,
            self.memory_limit_in_mb,
            self.function_version,
        ) = _context_variables()
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self._w3c_fields = _extract_w3c(client_context)
        self.client_context = _make_obj(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _make_obj(Client, self.client_context.client)
        identity: Any = CognitoIdentity()  # its fields are __slots__, set here
        identity.cognito_identity_id = identity.cognito_identity_pool_id = None
        self.identity = identity
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self) -> int:
        delta_ms = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta_ms if delta_ms > 0 else 0

    def w3c(self) -> dict[str, str]:
        return dict(self._w3c_fields)

    def log(self, msg: object) -> None:
        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(["
            f"aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}"
            "])"
        )


_CONTEXT_VARIABLES = (
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
)
_CONTEXT_KEYS = tuple(name.encode() for name in _CONTEXT_VARIABLES)
_FS_ENCODING = sys.getfilesystemencoding()
# The five variables' bytes at the last read, and their text.
_last_raw: list[tuple[bytes | None, ...] | None] = [None]
_last_text: list[str | None] = []


def _context_variables() -> list[str | None]:
    """The context's five variables, read on every invoke as awslambdaric does (the function
    may change them). On POSIX straight from os.environ's own bytes mapping, decoded as
    os.environ decodes: five os.environ.get calls cost several times more. Decoded again only
    when one of them is not the bytes it was at the last invoke."""
    environ = os.environ
    data = getattr(environ, "_data", None)
    if type(environ) is not os._Environ or type(data) is not dict or os.name != "posix":
        return [environ.get(name) for name in _CONTEXT_VARIABLES]
    raw = tuple(map(data.get, _CONTEXT_KEYS))
    if raw != _last_raw[0]:  # changed since the last invoke (the bytes compare by identity first)
        _last_raw[0] = raw
        _last_text[:] = [
            None if value is None else value.decode(_FS_ENCODING, "surrogateescape")
            for value in raw
        ]
    return _last_text


class _SlotsRepr:
    __slots__: tuple[str, ...] | list[str] = ()

    def __repr__(self) -> str:
        fields = ",".join(f"{name}={getattr(self, name)}" for name in self.__slots__)
        return f"{self.__class__.__name__}([{fields}])"


class CognitoIdentity(_SlotsRepr):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client(_SlotsRepr):
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]


class ClientContext(_SlotsRepr):
    __slots__ = ["custom", "env", "client"]


def _make_obj(cls: Callable[[], Any], values: dict[str, Any] | None) -> Any:
    if values is None:
        return None
    obj = cls()
    for name in obj.__slots__:
        setattr(obj, name, values.get(name, None))
    return obj


def _extract_w3c(client_context: object) -> dict[str, str]:
    if not isinstance(client_context, dict) or "w3c" not in client_context:
        return {}
    raw = client_context.pop("w3c")
    if not isinstance(raw, dict):
        return {}
    return {
        k: v for k in ("traceparent", "tracestate", "baggage") if isinstance(v := raw.get(k), str)
    }


def parse_json_header(value: str, name: str) -> Any:
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            f"Unable to parse {name} JSON: {e}",
            None,
        ) from None


# --- Logging: awslambdaric's text format, configured when the function imports logging -------
