"""Lambda's event filtering syntax, case by case (the examples of AWS's event filtering guide)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lamina.emulator.errors import LambdaError
from lamina.emulator.event_filter import parse_filters, passes, sqs_view

RECORD = {
    "body": json.dumps(
        {
            "kind": "order",
            "city": "Seattle",
            "total": 42,
            "tags": ["a", "b"],
            "note": None,
            "nested": {"S": "x"},
        }
    ),
    "messageId": "m1",
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"body": {"kind": ["order"]}}, True),
        ({"body": {"kind": ["refund"]}}, False),
        ({"body": {"tags": ["b"]}}, True),
        ({"body": {"note": [None]}}, True),
        ({"body": {"total": [42]}}, True),
        ({"body": {"total": ["42"]}}, False),
        ({"body": {"city": [{"prefix": "Sea"}]}}, True),
        ({"body": {"city": [{"suffix": "tle"}]}}, True),
        ({"body": {"city": [{"equals-ignore-case": "SEATTLE"}]}}, True),
        ({"body": {"city": [{"anything-but": ["Seattle"]}]}}, False),
        ({"body": {"city": [{"anything-but": {"prefix": "Port"}}]}}, True),
        ({"body": {"total": [{"numeric": [">", 40, "<=", 42]}]}}, True),
        ({"body": {"total": [{"numeric": ["<", 40]}]}}, False),
        ({"body": {"missing": [{"exists": False}]}}, True),
        ({"body": {"city": [{"exists": False}]}}, False),
        ({"body": {"city": [{"exists": True}]}}, True),
        # exists is about leaf values: an object does not "exist" (AWS's docs and recordings)
        ({"body": {"nested": [{"exists": False}]}}, True),
        ({"body": {"nested": [{"exists": True}]}}, False),
        ({"body": {"$or": [{"kind": ["refund"]}, {"total": [42]}]}}, True),
        ({"body": {"kind": ["order"], "city": ["Boston"]}}, False),
        ({"messageId": ["m1"]}, True),
    ],
)
def test_patterns(pattern: dict[str, Any], expected: bool) -> None:
    filters = parse_filters({"Filters": [{"Pattern": json.dumps(pattern)}]})
    assert passes(filters, sqs_view(RECORD)) is expected


def test_any_filter_passes_and_plain_bodies_match_as_text() -> None:
    filters = parse_filters(
        {"Filters": [{"Pattern": '{"body": ["plain"]}'}, {"Pattern": '{"body": {"k": [1]}}'}]}
    )
    assert passes(filters, sqs_view({"body": "plain"}))
    assert passes(filters, sqs_view({"body": '{"k": 1}'}))
    assert not passes(filters, sqs_view({"body": "other"}))


@pytest.mark.parametrize(
    "criteria",
    [
        {"Filters": [{"Pattern": "not json"}]},
        {"Filters": [{"Pattern": "[1]"}]},
        {"Filters": [{}] * 6},
    ],
)
def test_bad_criteria_refused(criteria: dict[str, Any]) -> None:
    with pytest.raises(LambdaError) as error:
        parse_filters(criteria)
    assert error.value.code == "InvalidParameterValueException"
