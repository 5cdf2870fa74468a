"""Errors a client sees as a command's failure: one line, no traceback."""

from __future__ import annotations

from pygls.exceptions import JsonRpcException, JsonRpcRequestCancelled

# LSP's RequestFailed: "the request was syntactically right but failed".
REQUEST_FAILED = -32803


class UserError(JsonRpcException):
    """A mistake the user can fix (unknown function, bad event JSON, broken template...)."""

    CODE = REQUEST_FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message=message, code=REQUEST_FAILED)


class Cancelled(JsonRpcRequestCancelled):
    def __init__(self, message: str) -> None:
        super().__init__(message=message)
