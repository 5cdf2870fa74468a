"""Values as CloudFormation templates hold them: `AWS::NoValue`, an intrinsic call, a placeholder for
what only a deployed stack has, and a value rendered into a string."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class NoValue:
    """The value of `!Ref AWS::NoValue`: the key or list item that holds it is dropped."""

    _instance: NoValue | None = None

    def __new__(cls) -> NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE = NoValue()


def placeholder(kind: str, detail: str) -> str:
    """The stand-in for a value only a deployed stack has, e.g. `${Ref:MyTable}`."""
    return f"${{{kind}:{detail}}}"


def to_text(value: Any) -> str:
    """A resolved value as CloudFormation would render it in a string (booleans in lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or value is NO_VALUE:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return ",".join(to_text(item) for item in value)
    return json.dumps(value, separators=(",", ":"), default=str)


def intrinsic_name(value: Any) -> str | None:
    """ "Ref" or "Fn::X" when `value` is an intrinsic function call, else None."""
    if isinstance(value, Mapping) and len(value) == 1:
        (key,) = value.keys()
        if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
            return str(key)
    return None
