"""Reading request body members with AWS's wording for wrong types and ranges. Below api.py and
the models (esm_model.py) that both use them, so neither imports the other."""

from __future__ import annotations

from typing import Any

from lamina.emulator.errors import LambdaError, validation


def _member(key: str) -> str:
    return key[:1].lower() + key[1:]


def string(
    body: dict[str, Any], key: str, *, required: bool = False, max_len: int | None = None
) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise validation(None, _member(key), "Member must not be null")
        return None
    if not isinstance(value, str):
        raise LambdaError(
            "InvalidRequestContentException", f"{key} must be a string, got {type(value).__name__}"
        )
    if max_len is not None and len(value) > max_len:
        raise validation(
            value, _member(key), f"Member must have length less than or equal to {max_len}"
        )
    return value


def required_string(body: dict[str, Any], key: str, max_len: int | None = None) -> str:
    value = string(body, key, required=True, max_len=max_len)
    assert value is not None
    return value


def integer(
    body: dict[str, Any], key: str, low: int | None = None, high: int | None = None
) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise LambdaError(
            "InvalidRequestContentException", f"{key} must be an integer, got {value!r}"
        )
    if low is not None and value < low:
        raise validation(
            value, _member(key), f"Member must have value greater than or equal to {low}"
        )
    if high is not None and value > high:
        raise validation(
            value, _member(key), f"Member must have value less than or equal to {high}"
        )
    return value


def boolean(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise LambdaError("InvalidRequestContentException", f"{key} must be a boolean")
    return value


def string_map(body: dict[str, Any], key: str) -> dict[str, str] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise LambdaError("InvalidRequestContentException", f"{key} must map strings to strings")
    return value
