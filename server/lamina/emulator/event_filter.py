"""Lambda's event filtering (FilterCriteria): which records of a batch reach the function.

A mapping has up to 5 filters, each a JSON pattern; a record passes if any pattern matches it.
Patterns use Lambda's syntax (the EventBridge subset Lambda documents): nested objects, lists of
accepted values (null, "", strings, numbers), and the operators exists, prefix, suffix,
equals-ignore-case, anything-but and numeric, plus "$or". SQS bodies and Kinesis data are matched
as JSON when they are JSON (Lambda parses them the same way); DynamoDB records as they are.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from lamina.emulator.errors import LambdaError, invalid

MAX_FILTERS = 5
_MISSING = object()


def parse_filters(criteria: object) -> tuple[str, ...]:
    """FilterCriteria's patterns, checked; () for no filters."""
    if not isinstance(criteria, dict):
        raise LambdaError("InvalidRequestContentException", "FilterCriteria must be an object")
    filters = criteria.get("Filters") or []
    if not isinstance(filters, list) or len(filters) > MAX_FILTERS:
        raise invalid(f"FilterCriteria takes at most {MAX_FILTERS} filters")
    patterns: list[str] = []
    for item in filters:
        pattern = item.get("Pattern") if isinstance(item, dict) else None
        try:
            parsed = json.loads(pattern) if isinstance(pattern, str) else None
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict) or not _well_formed(parsed):
            raise invalid("Invalid filter pattern definition.")  # AWS's words, recorded
        patterns.append(str(pattern))
    return tuple(patterns)


def _well_formed(pattern: dict[str, Any]) -> bool:
    """Every leaf is a non-empty list of accepted values (AWS refuses `{"k": "v"}` and
    `{"k": []}`); "$or" holds patterns."""
    for key, rule in pattern.items():
        if key == "$or":
            if not isinstance(rule, list) or not all(
                isinstance(p, dict) and _well_formed(p) for p in rule
            ):
                return False
        elif isinstance(rule, dict):
            if not rule or not _well_formed(rule):
                return False
        elif not isinstance(rule, list) or not rule:
            return False
    return bool(pattern)


def criteria_shape(patterns: tuple[str, ...]) -> dict[str, Any]:
    return {"Filters": [{"Pattern": p} for p in patterns]}


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def sqs_view(record: dict[str, Any]) -> dict[str, Any]:
    """What filters see of an SQS event record: the body as JSON when it is JSON."""
    return {**record, "body": _json_or_text(str(record.get("body", "")))}


def kinesis_view(record: dict[str, Any]) -> dict[str, Any]:
    """What filters see of a Kinesis event record: the data decoded, as JSON when it is JSON."""
    kinesis = dict(record.get("kinesis", {}))
    try:
        text = base64.b64decode(kinesis.get("data", "")).decode()
    except (ValueError, UnicodeDecodeError):
        text = ""
    kinesis["data"] = _json_or_text(text)
    return {**record, "kinesis": kinesis, "data": kinesis["data"]}


def passes(patterns: tuple[str, ...], view: dict[str, Any]) -> bool:
    if not patterns:
        return True
    return any(_matches(json.loads(p), view) for p in patterns)


def _matches(pattern: dict[str, Any], value: Any) -> bool:
    for key, rule in pattern.items():
        if key == "$or":
            if not any(_matches(p, value) for p in rule if isinstance(p, dict)):
                return False
            continue
        field = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
        if isinstance(rule, dict):
            if field is _MISSING or not _matches(rule, field):
                return False
        elif isinstance(rule, list):
            if not _any_accepted(rule, field):
                return False
        elif field != rule:
            return False
    return True


def _any_accepted(accepted: list[Any], field: Any) -> bool:
    values = field if isinstance(field, list) else [field]
    return any(_accepts(rule, v, field) for rule in accepted for v in values)


def _accepts(rule: Any, value: Any, field: Any) -> bool:
    if not isinstance(rule, dict):
        return _equal(rule, value)
    if len(rule) != 1:
        return False
    ((operator, operand),) = rule.items()
    if operator == "exists":
        # Exists matching works on leaf values only: an object is not a value that "exists"
        # (AWS's docs; recorded: {"presentKey": [{"exists": false}]} matches {"S": "..."}).
        present = field is not _MISSING and not isinstance(field, dict)
        return present == bool(operand)
    if value is _MISSING:
        return False
    if operator == "prefix":
        return isinstance(value, str) and value.startswith(str(operand))
    if operator == "suffix":
        return isinstance(value, str) and value.endswith(str(operand))
    if operator == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == str(operand).lower()
    if operator == "anything-but":
        if isinstance(operand, dict):
            return not _accepts(operand, value, field)
        excluded = operand if isinstance(operand, list) else [operand]
        return value not in excluded
    if operator == "numeric":
        return _numeric(operand, value)
    return False


def _equal(rule: Any, value: Any) -> bool:
    if rule is None or isinstance(rule, (bool, str)):
        return type(value) is type(rule) and value == rule
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and value == rule


def _numeric(conditions: Any, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    checks = {
        "=": lambda a, b: a == b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    if not isinstance(conditions, list) or len(conditions) % 2:
        return False
    pairs = list(zip(conditions[::2], conditions[1::2], strict=True))
    return bool(pairs) and all(
        op in checks and isinstance(n, (int, float)) and checks[op](value, n) for op, n in pairs
    )
