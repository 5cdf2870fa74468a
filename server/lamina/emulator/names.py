"""Function names, ARNs and qualifiers, parsed and checked the way Lambda does."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lamina.emulator.errors import LambdaError, invalid, validation

# botocore's NamespacedFunctionName pattern, with names for its parts. Lambda matches the whole
# FunctionName against it, so "arn:aws:lambda:us-east-1:123456789012:function" names a function
# called "function", as on AWS.
_FUNCTION_REF = re.compile(
    r"(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?"
    r"(?:(?P<region>(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9_.-]+)"
    r"(?::(?P<qualifier>\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]+))?"
)
NAME_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
)
_QUALIFIER = re.compile(r"^[a-zA-Z0-9$_-]{1,128}$")
_ALIAS = re.compile(r"^(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}$")
_VERSION = re.compile(r"^[0-9]{1,10}$")


@dataclass(frozen=True)
class Arns:
    """Builds ARNs in the emulator's one region and account."""

    region: str
    account: str

    def function(self, name: str, qualifier: str | None = None) -> str:
        arn = f"arn:aws:lambda:{self.region}:{self.account}:function:{name}"
        return f"{arn}:{qualifier}" if qualifier else arn


def is_version_number(qualifier: str) -> bool:
    return bool(_VERSION.match(qualifier))


def is_alias_name(qualifier: str) -> bool:
    """Whether a qualifier can name an alias (not a version number, no $)."""
    return bool(_ALIAS.match(qualifier))


def check_alias_name(name: object) -> str:
    if not isinstance(name, str) or not _ALIAS.match(name):
        raise validation(
            name,
            "name",
            "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
        )
    return name


def parse_function_ref(
    raw: str, qualifier: str | None = None, *, allow_qualified: bool = True
) -> tuple[str, str | None]:
    """(name, qualifier) from a FunctionName as Lambda takes it (name, partial or full ARN,
    optionally with `:qualifier`) and the Qualifier parameter. Errors as Lambda's."""
    if qualifier == "":
        qualifier = None
    if qualifier is not None and not _QUALIFIER.match(qualifier):
        raise validation(
            qualifier,
            "qualifier",
            "Member must satisfy regular expression pattern: "
            "\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+",
        )
    if (
        ":" not in raw
        and 0 < len(raw) <= 64
        and raw.isascii()
        and raw.replace("-", "").replace("_", "").isalnum()
    ):
        return raw, qualifier  # the common case, without the regex
    match = _FUNCTION_REF.fullmatch(raw)
    if match is None:
        raise validation(
            raw, "functionName", f"Member must satisfy regular expression pattern: {NAME_PATTERN}"
        )
    derived = match.group("qualifier")
    if derived is not None:
        if not allow_qualified:
            raise invalid(f"Unqualified function ARN expected, got {raw}")
        if qualifier is not None and qualifier != derived:
            raise invalid(
                "The derived qualifier from the function name does not match the specified "
                "qualifier."
            )
        qualifier = derived
    return match.group("name"), qualifier


def foreign_region(raw: str, region: str) -> str | None:
    """The region a FunctionName ARN names when it is not `region` (None: ours, or none)."""
    if not raw.startswith("arn:"):
        return None
    match = _FUNCTION_REF.fullmatch(raw)
    other = match.group("region") if match is not None else None
    return other if other and other != region else None


def foreign_account(raw: str, account: str) -> bool:
    """Whether a FunctionName (ARN or partial ARN) names an account other than `account`."""
    match = _FUNCTION_REF.fullmatch(raw)
    other = match.group("account") if match is not None else None
    return bool(other) and other != account


def parse_function_arn(arn: str) -> tuple[str, str | None]:
    """A tag resource: a function ARN. (name, qualifier)."""
    match = _FUNCTION_REF.fullmatch(arn)
    if match is None or not arn.startswith("arn:"):
        raise LambdaError(
            "InvalidParameterValueException",
            f"Unsupported resource ARN {arn!r}: lamina serve tags functions only",
        )
    return match.group("name"), match.group("qualifier")
