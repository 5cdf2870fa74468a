"""Sample events (`lamina events generate`): the catalogue, every source's top-level keys, aliases and errors."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest
from event_samples import NOW, SOURCES, TOP_LEVEL_KEYS, gen, record

from lamina.events import (
    EventSource,
    UnknownEventSource,
    generate,
    list_sources,
    resolve_source,
    source_names,
)

# --- the catalogue ------------------------------------------------------------------------


def test_list_sources_names_in_order() -> None:
    sources = list_sources()
    assert [s.name for s in sources] == SOURCES
    assert source_names() == SOURCES
    assert all(isinstance(s, EventSource) for s in sources)


def test_every_source_describes_itself_and_defaults_every_key() -> None:
    for source in list_sources():
        assert source.description
        assert source.keys == tuple(key for key, _ in source.defaults)
        assert len(set(source.keys)) == len(source.keys)
        assert all(re.fullmatch(r"[a-z_]+", key) for key in source.keys)


def test_source_keys() -> None:
    keys = {s.name: s.keys for s in list_sources()}
    assert keys["apigateway-rest"] == (
        "method",
        "path",
        "query",
        "body",
        "headers",
        "resource",
        "stage",
        "api_key",
        "api_key_id",
        "region",
        "account",
    )
    assert keys["sqs"] == ("body", "queue", "count", "region", "account")
    assert keys["sns"] == ("message", "topic", "subject", "region", "account")
    assert keys["s3-put"] == ("bucket", "key", "size", "region")
    assert keys["s3-delete"] == ("bucket", "key", "region")
    assert keys["kinesis"] == ("stream", "data", "partition_key", "count", "region", "account")
    assert keys["scheduled"] == ("rule", "region", "account")
    assert keys["cognito-pre-signup"] == ("user_pool", "username", "email", "client_id", "region")


def test_event_source_is_frozen() -> None:
    source = list_sources()[0]
    with pytest.raises(AttributeError):
        source.name = "other"  # type: ignore[misc]


def test_region_default_follows_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    def sqs_region_default() -> str:
        sqs = next(s for s in list_sources() if s.name == "sqs")
        return dict(sqs.defaults)["region"]

    assert sqs_region_default() == "us-east-1"
    assert record(gen("sqs"))["awsRegion"] == "us-east-1"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    assert sqs_region_default() == "ap-south-1"
    assert record(gen("sqs"))["awsRegion"] == "ap-south-1"
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    assert sqs_region_default() == "eu-west-2"
    assert record(gen("sqs"))["eventSourceARN"] == "arn:aws:sqs:eu-west-2:123456789012:my-queue"


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_is_json_with_the_right_top_level_keys(source: str) -> None:
    event = gen(source)
    assert json.loads(json.dumps(event)) == event
    assert set(event) == TOP_LEVEL_KEYS[source]


@pytest.mark.parametrize("source", SOURCES)
def test_overrides_none_and_empty_are_the_defaults(source: str) -> None:
    assert set(generate(source, None, now=NOW)) == set(generate(source, {}, now=NOW))
    assert set(generate(source)) == TOP_LEVEL_KEYS[source]


# --- aliases and errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("apigateway", "apigateway-rest"),
        ("api-rest", "apigateway-rest"),
        ("http-api", "apigateway-http"),
        ("s3", "s3-put"),
        ("dynamodb", "dynamodb-stream"),
        ("schedule", "scheduled"),
        ("cognito", "cognito-pre-signup"),
        ("logs", "cloudwatch-logs"),
        ("lambda-url", "function-url"),
        ("SQS", "sqs"),
        ("S3_Delete", "s3-delete"),
    ],
)
def test_aliases(alias: str, name: str) -> None:
    assert resolve_source(alias) == name
    assert set(gen(alias)) == TOP_LEVEL_KEYS[name]


def test_alias_generates_the_aliased_event() -> None:
    assert record(gen("s3"))["eventName"] == "ObjectCreated:Put"
    assert gen("http-api")["version"] == "2.0"
    assert gen("cognito")["triggerSource"] == "PreSignUp_SignUp"
    assert gen("schedule")["detail-type"] == "Scheduled Event"


def test_aliases_are_unique_and_never_shadow_names() -> None:
    aliases = [alias for s in list_sources() for alias in s.aliases]
    assert len(aliases) == len(set(aliases))
    assert not set(aliases) & set(SOURCES)


def test_unknown_source_lists_the_known_ones() -> None:
    with pytest.raises(UnknownEventSource) as caught:
        generate("carrier-pigeon")
    assert isinstance(caught.value, ValueError)
    assert caught.value.source == "carrier-pigeon"
    message = str(caught.value)
    assert message.startswith("Unknown event source 'carrier-pigeon'. Known sources: ")
    for name in SOURCES:
        assert name in message


def test_unknown_key_names_it_and_the_valid_keys() -> None:
    with pytest.raises(ValueError) as caught:
        generate("sqs", {"queue_url": "x"})
    assert not isinstance(caught.value, UnknownEventSource)
    assert str(caught.value) == (
        "Unknown key 'queue_url' for event source 'sqs'. "
        "Valid keys: body, queue, count, region, account"
    )


@pytest.mark.parametrize(
    ("source", "overrides", "message"),
    [
        ("sqs", {"count": "many"}, "sqs: count='many' is not a whole number"),
        ("sqs", {"count": "0"}, "sqs: count='0' must be >= 1 and <= 10000"),
        ("s3-put", {"size": "-1"}, "s3-put: size='-1' must be >= 0"),
        ("eventbridge", {"detail": "[1, 2]"}, "eventbridge: detail='[1, 2]' must be a JSON object"),
        ("eventbridge", {"detail": "{oops"}, "eventbridge: detail='{oops' is not valid JSON"),
        ("apigateway-rest", {"headers": "nope"}, "apigateway-rest: headers='nope' is not valid"),
        (
            "dynamodb-stream",
            {"event_name": "UPSERT"},
            "dynamodb-stream: event_name='UPSERT' must be one of: INSERT, MODIFY, REMOVE",
        ),
        (
            "apigateway-rest",
            {"resource": "/users/{id}", "path": "/orders/1"},
            "apigateway-rest: path '/orders/1' does not match the route '/users/{id}'",
        ),
    ],
)
def test_unusable_values_are_explained(
    source: str, overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        generate(source, overrides)
    assert str(caught.value).startswith(message)


def test_keys_accept_hyphens_and_any_case() -> None:
    event = gen("eventbridge", **{"detail-type": "Order Placed", "Source": "shop.orders"})
    assert event["detail-type"] == "Order Placed"
    assert event["source"] == "shop.orders"


def test_ids_are_fresh_for_every_event() -> None:
    assert record(gen("sqs"))["messageId"] != record(gen("sqs"))["messageId"]
    assert gen("eventbridge")["id"] != gen("eventbridge")["id"]


def test_naive_now_is_taken_as_utc() -> None:
    event: dict[str, Any] = generate("scheduled", now=datetime(2024, 3, 5, 6, 7, 8))
    assert event["time"] == "2024-03-05T06:07:08Z"
