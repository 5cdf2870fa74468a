"""JSON in and out, as awslambdaric's marshaller."""

from __future__ import annotations

import json
import os

from .errors import FaultException

TYPE_CHECKING = False  # not `from typing import ...`: typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

# awslambdaric's encoder writes non-ASCII characters as-is on these runtimes, escaped elsewhere.
_RAW_UNICODE_RUNTIMES = {
    "AWS_Lambda_python3.12",
    "AWS_Lambda_python3.13",
    "AWS_Lambda_python3.14",
    "AWS_Lambda_python3.15",
}


def _default(obj: Any) -> Any:
    # awslambdaric emits Decimals with all their digits (simplejson); the stdlib can only give a
    # number, so integral Decimals become ints and the rest floats.
    if type(obj).__name__ == "Decimal":
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


_encoder = json.JSONEncoder(
    ensure_ascii=os.environ.get("AWS_EXECUTION_ENV") not in _RAW_UNICODE_RUNTIMES,
    allow_nan=True,
    default=_default,
)
_encode_text = (
    json.encoder.encode_basestring_ascii
    if _encoder.ensure_ascii
    else json.encoder.encode_basestring
)


def _c_encode(obj: Any) -> str:
    """_encoder.encode(obj) for anything but a str: the C encoder JSONEncoder.iterencode makes
    for each call (fresh markers for the circular check), made here without its two frames."""
    if isinstance(obj, str):
        return _encode_text(obj)
    make = json.encoder.c_make_encoder  # type: ignore[attr-defined]  # None without _json
    return "".join(make({}, _default, _encode_text, None, ": ", ", ", False, False, True)(obj, 0))


def _encoder_of_this_python() -> Any:
    try:  # the same text as JSONEncoder's on this interpreter, or JSONEncoder itself
        sample = {"a": [1, 2.5, None, True, "\u00e9"], "b": {}}
        if _c_encode(sample) == _encoder.encode(sample):
            return _c_encode
    except Exception:  # no C encoder here, or another signature: the plain way below
        pass
    return _encoder.encode


to_json = _encoder_of_this_python()


_decoder = json.JSONDecoder()  # what json.loads uses when given no options
_decode = _decoder.decode
_scan = _decoder.scan_once  # type: ignore[attr-defined]  # what decode calls after whitespace
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def unmarshal_request(body: bytes, content_type: str | None) -> Any:
    if content_type != "application/json":
        return body
    try:
        if body.startswith(_BOMS) or b"\x00" in body[:4]:
            return json.loads(body)  # UTF-16, UTF-32 or a BOM: json.loads finds which
        # What json.loads(body) does for UTF-8 without a BOM, minus its detection and options.
        text = body.decode("utf-8", "surrogatepass")
        try:  # a document with no whitespace around it: the scanner alone, as decode calls it
            value, end = _scan(text, 0)
            if end == len(text):
                return value
        except Exception:  # decode, below, raises the error with its own message
            pass
        return _decode(text)
    except Exception as e:
        error = e
    # Lambda's runtime parses with simplejson, whose messages differ from the stdlib's; where it
    # is installed, ask it for the message (only on this error path, so no start-up cost).
    try:
        import simplejson  # type: ignore[import-untyped]

        simplejson.loads(body)
    except ImportError:
        pass
    except Exception as e:
        error = e
    raise FaultException(
        FaultException.UNMARSHAL_ERROR, f"Unable to unmarshal input: {error}", None
    )


def marshal_response(response: Any) -> tuple[bytes, str]:
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(
            FaultException.MARSHAL_ERROR, f"Unable to marshal response: {e}", None
        ) from None


# --- The context object, as awslambdaric's LambdaContext ------------------------------------
