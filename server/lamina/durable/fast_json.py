"""JSON on the checkpoint path, with orjson (a dependency of Lamina's; several times faster
than json at the shell and parts a save writes, and at a checkpoint's request and answer).

What orjson refuses and json takes (integers beyond 64 bits; NaN to read) goes to json. Unlike
json, orjson writes NaN and infinities as null (JSON has none; nothing durable holds them).
Datetimes are epoch seconds, as the testing runner's own serializer writes them in answers.
Text is UTF-8 where json wrote \\u escapes: the same JSON to any reader (botocore, the SDK).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _timestamp(value: Any) -> float:
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> bytes:
    """Compact JSON bytes (TypeError or ValueError, as json raises them, for what JSON cannot
    hold)."""
    try:
        return orjson.dumps(value, default=_timestamp, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), default=_timestamp).encode()


def dumps_text(value: Any) -> str:
    """As dumps, as text (what the store's TEXT columns hold)."""
    return dumps(value).decode()


def loads(data: bytes | str) -> Any:
    """The value of a JSON document (ValueError if it is none)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
