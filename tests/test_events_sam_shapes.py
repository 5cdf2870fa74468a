"""Lamina's sample events hold every field AWS fixes in `sam local generate-event`'s samples,
checked against a snapshot of SAM's key paths (tests/events/sam_fixed_paths.json), which
`make e2e` compares with SAM's live output (tests/e2e/test_sam_generate_event.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from event_shapes import SAM_TO_LAMINA, fixed_paths

from lamina.events import generate

SNAPSHOT = json.loads((Path(__file__).parent / "events" / "sam_fixed_paths.json").read_text())


@pytest.mark.parametrize("sam_type", sorted(SNAPSHOT))
def test_lamina_has_every_field_of_sams_sample(sam_type: str) -> None:
    service, kind = sam_type.split()
    lamina = fixed_paths(generate(SAM_TO_LAMINA[service, kind]))
    assert sorted(set(SNAPSHOT[sam_type]) - lamina) == []


def test_the_snapshot_covers_every_type_lamina_maps() -> None:
    assert set(SNAPSHOT) == {f"{service} {kind}" for service, kind in SAM_TO_LAMINA}


def test_authorizer_events_name_the_method_being_called() -> None:
    settings = {"method": "post", "path": "/orders/7", "resource": "/orders/{id}"}
    settings |= {"stage": "live", "region": "eu-west-3", "account": "210987654321"}
    token = generate("authorizer", {**settings, "token": "Bearer abc"})
    request = generate("request-authorizer", settings)
    assert (token["type"], token["authorizationToken"]) == ("TOKEN", "Bearer abc")
    api_id = request["requestContext"]["apiId"]  # type: ignore[index]
    assert request["methodArn"] == (
        f"arn:aws:execute-api:eu-west-3:210987654321:{api_id}/live/POST/orders/7"
    )
    assert str(token["methodArn"]).endswith("/live/POST/orders/7")
    assert (request["type"], request["pathParameters"]) == ("REQUEST", {"id": "7"})
    assert "body" not in request
