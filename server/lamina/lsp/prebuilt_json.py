"""A request's result already written as JSON text, sent as it is.

pygls turns a result into JSON through cattrs, one lsprotocol object at a time: for the 40,000
lenses of a 10,000-function template that alone took most of the answer's time. A feature that
returns a PrebuiltJson skips it (LaminaProtocol writes the text into the response as it is).
"""

from __future__ import annotations

import json
from typing import Any


class PrebuiltJson(str):
    """JSON text (ASCII only, so that its length in bytes is its length)."""


def response_body(msg_id: Any, result: PrebuiltJson) -> bytes:
    return f'{{"jsonrpc":"2.0","id":{json.dumps(msg_id)},"result":{result}}}'.encode("ascii")
