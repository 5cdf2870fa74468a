"""Request ids are version 4 UUIDs in their usual text form, and do not repeat."""

from __future__ import annotations

import uuid

from lamina.runtime.invocation import new_request_id


def test_request_ids_are_random_v4_uuids() -> None:
    ids = [new_request_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)
    assert {text[19] for text in ids} == set("89ab")  # every variant digit occurs
