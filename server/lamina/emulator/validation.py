"""Request validation as Lambda does it: every constraint of botocore's Lambda model (required
members, lengths, patterns, ranges, enums) checked before anything else, all errors of a request
in one `ValidationException`:

    2 validation errors detected: Value 'x' at 'qualifier' failed to satisfy constraint: ...;
    Value 'y' at 'functionName' failed to satisfy constraint: ...

Members are named as AWS names them (lowerCamelCase, nested ones joined with '.'). botocore's
model takes about half a second to load, so `preload` starts loading it in a thread when the
emulator starts, and a request that comes earlier waits for it without blocking the event loop.
The rules of each operation are compiled once, on its first request.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lamina.emulator.errors import LambdaError

_model_lock = threading.Lock()
_model: Any = None


def _load_model() -> Any:
    global _model
    with _model_lock:
        if _model is None:
            # The loader alone: a session would read the user's AWS config (and fail on an
            # AWS_PROFILE that names no profile).
            from botocore.loaders import create_loader
            from botocore.model import ServiceModel

            data = create_loader().load_service_model("lambda", "service-2")
            _model = ServiceModel(data, service_name="lambda")
    return _model


async def preload() -> None:
    """Load botocore's model off the event loop (at start, or before a first request)."""
    if _model is None:
        await asyncio.to_thread(_load_model)


def is_loaded() -> bool:
    return _model is not None


@dataclass(frozen=True)
class Rule:
    """One member's constraints. `kind` is botocore's type name."""

    member: str  # the name AWS uses in messages (lowerCamelCase path)
    key: str  # where the value is: the URI/query/body name
    location: str  # "uri", "querystring" or "" (the JSON body)
    kind: str
    required: bool = False
    min: float | None = None
    max: float | None = None
    pattern: re.Pattern[str] | None = None
    pattern_text: str = ""
    enum: tuple[str, ...] = ()
    children: tuple[Rule, ...] = ()  # a structure's members, or a list's item rule


def _aws_member(name: str) -> str:
    return name[:1].lower() + name[1:]


# Where AWS lists an enum in another order than botocore's model (seen in the recordings).
AWS_ENUM_ORDER = {
    "RecursiveLoop": ("Terminate", "Allow"),
    "EventSourcePosition": ("LATEST", "AT_TIMESTAMP", "TRIM_HORIZON"),
}
# Enums AWS checks itself, with another code and wording (settings.py does it as AWS does).
CHECKED_BY_ROUTE = {"Runtime"}
# Checks of an operation that its model can't express (AWS's own sets and order), added by the
# module that serves it (layer_validation.py): f(the query or the body, errors so far).
EXTRA_CHECKS: dict[str, Callable[[Mapping[str, Any], list[str]], None]] = {}
# Patterns AWS prints otherwise than the model writes them (shape name -> AWS's text), as
# recorded; added by the module that serves them.
AWS_PATTERN_TEXT: dict[str, str] = {}


def _rule(shape: Any, key: str, member: str, location: str, required: bool, depth: int) -> Rule:
    meta = shape.metadata
    kind = shape.type_name
    children: tuple[Rule, ...] = ()
    if depth < 4 and kind == "structure":
        required_members = set(meta.get("required", ()))
        children = tuple(
            _rule(
                sub, name, f"{member}.{_aws_member(name)}", "", name in required_members, depth + 1
            )
            for name, sub in shape.members.items()
        )
    elif depth < 4 and kind == "list":
        children = (_rule(shape.member, "", f"{member}.member", "", False, depth + 1),)
    elif depth < 4 and kind == "map":
        children = (
            _rule(shape.key, "", member, "", False, depth + 1),
            _rule(shape.value, "", member, "", True, depth + 1),
        )
    pattern = meta.get("pattern")
    compiled = _compile(pattern) if pattern else None
    return Rule(
        member=member,
        key=key,
        location=location,
        kind=kind,
        required=required,
        min=meta.get("min"),
        max=meta.get("max"),
        pattern=compiled,
        pattern_text=AWS_PATTERN_TEXT.get(shape.name, pattern) if compiled is not None else "",
        enum=()
        if shape.name in CHECKED_BY_ROUTE
        else AWS_ENUM_ORDER.get(shape.name) or tuple(getattr(shape, "enum", None) or ()),
        children=children,
    )


# Java's Unicode classes, which botocore's patterns use (inside [...]) and Python's re lacks.
# \w stands for letters: broader (digits, _), but the model's patterns that use \p{L} allow
# those as well.
_JAVA_CLASSES = {r"\p{L}": r"\w", r"\p{Z}": r"\s", r"\p{N}": r"\d"}


def _compile(pattern: str) -> re.Pattern[str] | None:
    """The pattern in Python's dialect (None: one it cannot express; it is then not checked)."""
    text = pattern
    for java, python in _JAVA_CLASSES.items():
        text = text.replace(java, python)
    try:
        return re.compile(text, re.DOTALL)
    except re.error:
        return None


@functools.cache
def rules(operation: str) -> tuple[Rule, ...]:
    """The top-level member rules of an operation's input ((): not in the model)."""
    model = _load_model()
    if operation not in model.operation_names:
        return ()
    shape = model.operation_model(operation).input_shape
    if shape is None:
        return ()
    required = set(shape.metadata.get("required", ()))
    out = []
    for name, member in shape.members.items():
        location = member.serialization.get("location", "")
        if location not in ("", "uri", "querystring"):
            continue  # headers and the streaming payload are checked where they are read
        key = member.serialization.get("name", name) if location else name
        out.append(_rule(member, key, _aws_member(name), location, name in required, 0))
    return tuple(out)


# Short strings that passed a rule's checks, by (id of the rule, value): the rules (`rules`) live
# as long as the process, and a warm Invoke's FunctionName costs a set lookup, not a pattern match.
_VALID_STRINGS: set[tuple[int, str]] = set()
_MAX_VALID_STRINGS = 4096
_MAX_KNOWN_LENGTH = 256


def _check(rule: Rule, value: Any, errors: list[str]) -> None:
    if value is None:
        if rule.required:
            errors.append(_error(None, rule.member, "Member must not be null"))
        return
    kind = rule.kind
    if kind == "string" and isinstance(value, str):
        known = (id(rule), value)
        if known in _VALID_STRINGS:  # every Invoke names the same few functions
            return
        had = len(errors)
        _check_string(rule, value, errors)
        if len(errors) == had and len(value) <= _MAX_KNOWN_LENGTH:
            if len(_VALID_STRINGS) >= _MAX_VALID_STRINGS:
                _VALID_STRINGS.clear()
            _VALID_STRINGS.add(known)
    elif kind in ("float", "double") and isinstance(value, (int, float)):
        if not isinstance(value, bool):
            for constraint in _range_violations(rule, float(value)):
                errors.append(_error(value, rule.member, constraint))
    elif kind == "map" and isinstance(value, dict) and len(rule.children) == 2:
        _check_map(rule, value, errors)
    elif kind in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        if rule.max is not None and value > rule.max:
            errors.append(
                _error(
                    value, rule.member, f"Member must have value less than or equal to {rule.max}"
                )
            )
        if rule.min is not None and value < rule.min:
            errors.append(
                _error(
                    value,
                    rule.member,
                    f"Member must have value greater than or equal to {rule.min}",
                )
            )
    elif kind == "structure" and isinstance(value, dict):
        for child in rule.children:
            _check(child, value.get(child.key), errors)
    elif kind == "list" and isinstance(value, list):
        if rule.max is not None and len(value) > rule.max:
            errors.append(
                _error(
                    value, rule.member, f"Member must have length less than or equal to {rule.max}"
                )
            )
        if rule.min is not None and len(value) < rule.min:
            errors.append(
                _error(
                    value,
                    rule.member,
                    f"Member must have length greater than or equal to {rule.min}",
                )
            )
        if rule.children:
            # AWS reports a list once, listing its members' constraints.
            item_rule = rule.children[0]
            bad: list[str] = []
            for item in value:
                _check(item_rule, item, bad)
            if bad:
                constraints = _constraints(item_rule)
                # AWS leaves it out for members that may be empty (min 0: VpcConfig's ids),
                # and names it for the others (Layers, Architectures), as recorded.
                if item_rule.min != 0:
                    constraints.append("Member must not be null")
                if item_rule.enum:
                    constraints.insert(
                        0, f"Member must satisfy enum value set: [{', '.join(item_rule.enum)}]"
                    )
                errors.append(
                    _error(
                        value,
                        rule.member,
                        f"Member must satisfy constraint: [{', '.join(dict.fromkeys(constraints))}]",
                    )
                )


def _range_violations(rule: Rule, value: float) -> list[str]:
    out = []
    if rule.max is not None and value > rule.max:
        out.append(f"Member must have value less than or equal to {float(rule.max)}")
    if rule.min is not None and value < rule.min:
        out.append(f"Member must have value greater than or equal to {float(rule.min)}")
    return out


def _constraints(rule: Rule) -> list[str]:
    """Every constraint of a map's key or value shape, in AWS's order (it lists them all)."""
    out = []
    number = rule.kind in ("float", "double", "integer", "long")
    bound = (lambda v: float(v) if rule.kind in ("float", "double") else v) if number else None
    if rule.max is not None:
        what = "value" if number else "length"
        out.append(
            f"Member must have {what} less than or equal to {bound(rule.max) if bound else rule.max}"
        )
    if rule.min is not None:
        what = "value" if number else "length"
        out.append(
            f"Member must have {what} greater than or equal to {bound(rule.min) if bound else rule.min}"
        )
    if rule.pattern is not None:
        out.append(f"Member must satisfy regular expression pattern: {rule.pattern_text}")
    if rule.required:
        out.append("Member must not be null")
    return out


def _check_string(rule: Rule, value: str, errors: list[str]) -> None:
    length = len(value)
    if rule.max is not None and length > rule.max:
        errors.append(
            _error(value, rule.member, f"Member must have length less than or equal to {rule.max}")
        )
    if rule.min is not None and length < rule.min:
        errors.append(
            _error(
                value,
                rule.member,
                f"Member must have length greater than or equal to {rule.min}",
            )
        )
    if rule.pattern is not None and rule.pattern.fullmatch(value) is None:
        errors.append(
            _error(
                value,
                rule.member,
                f"Member must satisfy regular expression pattern: {rule.pattern_text}",
            )
        )
    if rule.enum and value not in rule.enum:
        errors.append(
            _error(
                value,
                rule.member,
                f"Member must satisfy enum value set: [{', '.join(rule.enum)}]",
            )
        )


def _check_map(rule: Rule, value: dict[Any, Any], errors: list[str]) -> None:
    """AWS reports a map once, for its keys and for its values, listing the shape's constraints."""
    key_rule, value_rule = rule.children
    shown = "{" + ", ".join(f"{k}={_java(v)}" for k, v in value.items()) + "}"
    bad_keys: list[str] = []
    for key in value:
        _check(key_rule, key, bad_keys)
    if bad_keys:
        errors.append(
            f"Value '{shown}' at '{rule.member}' failed to satisfy constraint: Map keys must "
            f"satisfy constraint: [{', '.join(_constraints(key_rule))}]"
        )
    bad_values: list[str] = []
    for item in value.values():
        _check(value_rule, item, bad_values)
    if bad_values:
        errors.append(
            f"Value '{shown}' at '{rule.member}' failed to satisfy constraint: Map value must "
            f"satisfy constraint: [{', '.join(_constraints(value_rule))}]"
        )


def _java(value: Any) -> str:
    """A value as AWS's (Java) messages print it: numbers in a double map as 2.0."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(float(value))
    return str(value)


def _error(value: Any, member: str, constraint: str) -> str:
    if value is None:
        return f"Value null at '{member}' failed to satisfy constraint: {constraint}"
    shown = "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list) else str(value)
    return f"Value '{shown}' at '{member}' failed to satisfy constraint: {constraint}"


def raise_for(errors: list[str], code: str = "ValidationException") -> None:
    if not errors:
        return
    count = len(errors)
    noun = "error" if count == 1 else "errors"
    raise LambdaError(code, f"{count} validation {noun} detected: " + "; ".join(errors))


def has_body(operation: str) -> bool:
    """Whether the operation has JSON body members (checked by `check_body`)."""
    return any(not rule.location for rule in rules(operation))


def check_params(
    operation: str, path: Mapping[str, str], query: Mapping[str, str], errors: list[str]
) -> None:
    """Add the errors of the URI and query members to `errors`."""
    for rule in rules(operation):
        if rule.location == "uri":
            _check(rule, path.get(rule.key), errors)
        elif rule.location == "querystring":
            value = query.get(rule.key)
            if rule.kind in ("integer", "long") and value is not None:
                with contextlib.suppress(ValueError):  # the route words a non-number itself
                    _check(rule, int(value), errors)
            else:
                _check(rule, value, errors)
    extra = EXTRA_CHECKS.get(operation)
    if extra is not None:
        extra(query, errors)


def check_body(operation: str, body: Mapping[str, Any], errors: list[str]) -> None:
    """Add the errors of the JSON body's members to `errors`."""
    for rule in rules(operation):
        if not rule.location:
            _check(rule, body.get(rule.key), errors)
    extra = EXTRA_CHECKS.get(operation)
    if extra is not None:
        extra(body, errors)
