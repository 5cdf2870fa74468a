"""Storage sources: S3 object notifications and DynamoDB streams."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote_plus

from lamina.events._common import (
    DEFAULT_ACCOUNT,
    SOURCE_IP,
    Event,
    Params,
    Spec,
    b64_token,
    default_region,
    epoch_s,
    hex_id,
    iso_ms,
    new_uuid,
    partition,
    upper_id,
)

MAX_RECORDS = 10_000

# --- S3 -----------------------------------------------------------------------------------


def s3_key(key: str) -> str:
    """An object key as S3 writes it into notifications: URL-encoded, spaces as "+"."""
    return quote_plus(key, safe="/")


def _s3_record(p: Params, now: datetime, event_name: str, obj: dict[str, object]) -> Event:
    region, bucket = p["region"], p["bucket"]
    sequencer = f"{(epoch_s(now) << 32) | (now.microsecond << 8):018X}"
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_ms(now),
        "eventName": event_name,
        "userIdentity": {"principalId": f"AWS:AIDA{upper_id(17)}"},
        "requestParameters": {"sourceIPAddress": SOURCE_IP},
        "responseElements": {
            "x-amz-request-id": hex_id(16).upper(),
            "x-amz-id-2": b64_token(57),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": new_uuid(),
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": upper_id(14)},
                "arn": f"arn:{partition(region)}:s3:::{bucket}",
            },
            "object": {"key": s3_key(p["key"]), **obj, "sequencer": sequencer},
        },
    }


def build_s3_put(p: Params, now: datetime) -> Event:
    size = p.integer("size", minimum=0)
    return {
        "Records": [_s3_record(p, now, "ObjectCreated:Put", {"size": size, "eTag": hex_id(32)})]
    }


def build_s3_delete(p: Params, now: datetime) -> Event:
    return {"Records": [_s3_record(p, now, "ObjectRemoved:Delete", {})]}


# --- DynamoDB streams ---------------------------------------------------------------------

_TYPE_TAGS = frozenset({"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"})
_VIEW_TYPES = ("NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY")


def to_attribute_value(value: object) -> dict[str, object]:
    """A plain JSON value in DynamoDB's typed form: "x" -> {"S": "x"}, 5 -> {"N": "5"}, ..."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _TYPE_TAGS:
        return value  # already typed, e.g. {"N": "101"}
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": json.dumps(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [to_attribute_value(item) for item in value]}
    if isinstance(value, dict):
        return {"M": {str(k): to_attribute_value(v) for k, v in value.items()}}
    raise TypeError(f"cannot express {value!r} as a DynamoDB attribute")


def to_item(value: dict[str, object]) -> dict[str, object]:
    return {name: to_attribute_value(attr) for name, attr in value.items()}


def _item_size(*items: dict[str, object]) -> int:
    """Roughly what DynamoDB reports as SizeBytes: names plus values, without JSON overhead."""
    size = 0
    for item in items:
        for name, value in item.items():
            size += len(name.encode("utf-8")) + _value_size(value)
    return size


def _value_size(value: object) -> int:
    if isinstance(value, dict):
        return sum(len(str(k)) + _value_size(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_value_size(v) for v in value) + 1
    return len(str(value).encode("utf-8"))


def build_dynamodb_stream(p: Params, now: datetime) -> Event:
    region, account, table = p["region"], p["account"], p["table"]
    event_name = p.choice("event_name", ("INSERT", "MODIFY", "REMOVE"))
    view_type = p.choice("view_type", _VIEW_TYPES)
    count = p.integer("count", minimum=1, maximum=MAX_RECORDS)
    keys = to_item(p.json_object("keys"))
    new_image = {**keys, **to_item(p.json_object("new_image"))}
    old_image = {**keys, **to_item(p.json_object("old_image"))}

    payload: dict[str, object] = {"ApproximateCreationDateTime": epoch_s(now), "Keys": keys}
    images = [keys]
    if event_name != "REMOVE" and view_type in ("NEW_AND_OLD_IMAGES", "NEW_IMAGE"):
        payload["NewImage"] = new_image
        images.append(new_image)
    if event_name != "INSERT" and view_type in ("NEW_AND_OLD_IMAGES", "OLD_IMAGE"):
        payload["OldImage"] = old_image
        images.append(old_image)
    size = _item_size(*images)

    stream_label = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}"
    stream_arn = (
        f"arn:{partition(region)}:dynamodb:{region}:{account}:table/{table}/stream/{stream_label}"
    )
    first_sequence = epoch_s(now) * 10**11 + 10**20
    records: list[object] = []
    for index in range(count):
        records.append(
            {
                "eventID": hex_id(32),
                "eventName": event_name,
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": region,
                "dynamodb": {
                    **payload,
                    "SequenceNumber": str(first_sequence + index),
                    "SizeBytes": size,
                    "StreamViewType": view_type,
                },
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": records}


SPECS = (
    Spec(
        "s3-put",
        "S3 ObjectCreated:Put notification",
        {
            "bucket": "my-bucket",
            "key": "uploads/example.txt",
            "size": "1024",
            "region": default_region,
        },
        build_s3_put,
        aliases=("s3", "s3-create", "s3-upload"),
    ),
    Spec(
        "s3-delete",
        "S3 ObjectRemoved:Delete notification",
        {"bucket": "my-bucket", "key": "uploads/example.txt", "region": default_region},
        build_s3_delete,
        aliases=("s3-remove",),
    ),
    Spec(
        "dynamodb-stream",
        "DynamoDB stream records (keys/new_image/old_image are plain JSON objects)",
        {
            "table": "my-table",
            "event_name": "INSERT",
            "keys": '{"id": "101"}',
            "new_image": '{"message": "New item!"}',
            "old_image": '{"message": "Old item"}',
            "view_type": "NEW_AND_OLD_IMAGES",
            "count": "1",
            "region": default_region,
            "account": DEFAULT_ACCOUNT,
        },
        build_dynamodb_stream,
        aliases=("dynamodb", "ddb", "dynamodb-streams"),
    ),
)
