"""Every operation's URI and query members are checked against botocore's model before the
route looks anything up: the `api` decorator finds the operation by the route's name, so a route
named otherwise (as the event source mapping and event invoke config routes once were) would
skip the check and answer 404 where AWS answers 400. Raw HTTP, since boto3 checks some of these
itself before sending."""

from __future__ import annotations

import json

import pytest

from emulator.harness import EmulatorProcess, raw_call, unique

INVOKE_CONFIG = "/2019-09-25/functions/{name}/event-invoke-config"
MAPPINGS = "/2015-03-31/event-source-mappings"


@pytest.mark.parametrize(
    ("method", "path", "member", "constraint"),
    [
        ("GET", MAPPINGS + "?MaxItems=20000", "maxItems", "less than or equal to 10000"),
        ("GET", MAPPINGS + "/not-a-uuid", "uUID", "length greater than or equal to 36"),
        ("DELETE", MAPPINGS + "/not-a-uuid", "uUID", "length greater than or equal to 36"),
        ("GET", INVOKE_CONFIG + "/list?MaxItems=0", "maxItems", "greater than or equal to 1"),
        ("GET", INVOKE_CONFIG + "?Qualifier=a.b", "qualifier", "regular expression pattern"),
        ("DELETE", INVOKE_CONFIG + "?Qualifier=a.b", "qualifier", "regular expression pattern"),
    ],
)
def test_uri_and_query_members_are_validated_first(
    emulator: EmulatorProcess, method: str, path: str, member: str, constraint: str
) -> None:
    # The function does not exist: a lookup first would answer 404.
    status, _, body = raw_call(emulator.endpoint, method, path.format(name=unique("nope")))
    message = json.loads(body)["message"]
    assert status == 400, body
    assert message.startswith("1 validation error detected: "), message
    assert f"at '{member}' failed to satisfy constraint: Member must " in message, message
    assert constraint in message, message
