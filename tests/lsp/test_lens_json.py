"""The lenses written straight as JSON are what pygls would have sent for the same lenses."""

from __future__ import annotations

import json

from pygls.protocol import default_converter

from lamina.lsp.lens_groups import LensGroup, lens_json, lens_objects
from lamina.lsp.prebuilt_json import response_body

GROUPS = [
    LensGroup(0, 4, 11, "handler", None, ""),
    LensGroup(12, 2, 20, "ItemsFunction", "items-get", " ItemsFunction"),
    LensGroup(40, 0, 3, 'src/we"ird\\päth.py:handler', "events/ünï.json", ""),
]


def test_lens_json_matches_the_lsprotocol_conversion() -> None:
    expected = default_converter().unstructure(lens_objects(GROUPS))
    assert len(expected) == 4 * len(GROUPS)
    assert json.loads(lens_json(GROUPS)) == expected
    assert json.loads(lens_json([])) == []


def test_the_response_is_ascii_json_rpc() -> None:
    body = response_body(7, lens_json(GROUPS))
    message = json.loads(body.decode("ascii"))
    assert message["id"] == 7 and message["jsonrpc"] == "2.0"
    assert message["result"][0]["command"]["title"] == "▶ Run"
    assert json.loads(response_body("a", lens_json([])))["id"] == "a"
