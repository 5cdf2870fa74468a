"""A function's `Architectures`, checked as Lambda's CreateFunction checks it: one item, and
that item x86_64 or arm64. The messages are Lambda's own (recorded in the LocalStack
AWS-validated snapshots), so a template Lambda would reject fails the same way at load time."""

from __future__ import annotations

DEFAULT_ARCHITECTURES = ("x86_64",)
LAMBDA_ARCHITECTURES = ("x86_64", "arm64")


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
