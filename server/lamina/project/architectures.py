"""A function's `Architectures`, checked as Lambda's CreateFunction checks it: one item, and
that item x86_64 or arm64. The messages are Lambda's own (recorded in the LocalStack
AWS-validated snapshots), so a template Lambda would reject fails the same way at load time."""

from __future__ import annotations

from typing import Any

from lamina.project.cfn_values import to_text

DEFAULT_ARCHITECTURES = ("x86_64",)
LAMBDA_ARCHITECTURES = ("x86_64", "arm64")


def function_architectures(value: Any) -> list[str]:
    """A template's `Architectures` as a list; ValueError saying why Lambda would reject it."""
    if value is None:
        return list(DEFAULT_ARCHITECTURES)
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not value:
        raise ValueError(f"Architectures must be a list like [x86_64], not {value!r}")
    items = [to_text(item) for item in value]
    error = architectures_error(items)
    if error:
        raise ValueError(error)
    return items


def architectures_error(items: list[str]) -> str | None:
    """Lambda's validation message for `items`, or None when Lambda accepts them."""
    shown = f"[{', '.join(items)}]"
    prefix = f"1 validation error detected: Value '{shown}' at 'architectures' failed to satisfy "
    if len(items) > 1:
        return prefix + "constraint: Member must have length less than or equal to 1"
    if items and items[0] not in LAMBDA_ARCHITECTURES:
        return prefix + (
            "constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
            "[x86_64, arm64], Member must not be null]"
        )
    return None
