"""The pieces of a request both payload versions are built from: query, headers, body, time."""

from __future__ import annotations

import base64
import time
from urllib.parse import unquote_plus

from lamina.gateway.http_types import HttpRequest

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Content types whose bodies HTTP APIs and Function URLs pass as text (anything else is binary
# and arrives base64-encoded, isBase64Encoded true).
_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/yaml",
    "application/graphql",
)


def query_pairs(raw: str) -> list[tuple[str, str]]:
    """The query's name/value pairs in order, decoded as API Gateway does (`+` is a space)."""
    pairs = []
    for part in raw.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


def grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Pairs grouped by name, names in first-seen order, values in order."""
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


_last_time: tuple[int, str] = (-1, "")  # (second, its requestTime): requests share a second


def request_time(epoch_ms: int) -> str:
    """API Gateway's requestTime: `06/Dec/2026:22:52:10 +0000` (English months, any locale)."""
    global _last_time
    second = epoch_ms // 1000
    if _last_time[0] == second:
        return _last_time[1]
    t = time.gmtime(second)
    text = (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )
    _last_time = (second, text)
    return text


def media_type(request: HttpRequest) -> str:
    content_type = request.header("content-type") or ""
    return content_type.split(";", 1)[0].strip().lower()


def matches_media_type(kind: str, patterns: tuple[str, ...]) -> bool:
    """Whether a media type matches one of a REST API's BinaryMediaTypes (`image/*`, `*/*`)."""
    if not kind:
        return False
    major = kind.split("/", 1)[0]
    for pattern in patterns:
        pattern = pattern.strip().lower().replace("~1", "/")  # OpenAPI escapes '/' as '~1'
        if pattern in (kind, "*/*") or pattern == f"{major}/*":
            return True
    return False


def is_text_media_type(kind: str) -> bool:
    return not kind or kind.startswith(_TEXT_TYPES) or kind.endswith(("+json", "+xml"))


def body_field(body: bytes, binary: bool) -> tuple[str | None, bool]:
    """The event's `body` and `isBase64Encoded`: base64 for binary (or non-UTF-8) bodies."""
    if not body:
        return None, False
    if not binary:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True
