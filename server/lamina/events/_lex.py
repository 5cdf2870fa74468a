"""Amazon Lex code hooks: a V1 bot's dialog or fulfillment hook, and a V2 bot's.

Slots are given as a JSON object of slot name to the value the user said (null for a slot not
filled yet); the V2 event wraps each as Lex does ({shape, value: {originalValue,
interpretedValue, resolvedValues}}).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lamina.events._common import Event, Params, Spec, hex_id, new_uuid

_SOURCES = ("DialogCodeHook", "FulfillmentCodeHook")


def _slots(p: Params) -> dict[str, Any]:
    return {
        name: (None if value is None else str(value))
        for name, value in p.json_object("slots").items()
    }


def build_lex(p: Params, now: datetime) -> Event:
    slots = _slots(p)
    return {
        "messageVersion": "1.0",
        "invocationSource": p.choice("source", _SOURCES),
        "userId": p["user"],
        "sessionAttributes": {},
        "requestAttributes": None,
        "bot": {"name": p["bot"], "alias": p["alias"], "version": "$LATEST"},
        "outputDialogMode": "Text",
        "currentIntent": {
            "name": p["intent"],
            "slots": slots,
            "slotDetails": {
                name: {
                    "resolutions": [] if value is None else [{"value": value}],
                    "originalValue": value,
                }
                for name, value in slots.items()
            },  # fmt: skip
            "confirmationStatus": "None",
        },
        "inputTranscript": p["transcript"],
    }


def _v2_slots(slots: dict[str, Any]) -> dict[str, Any]:
    def one(value: str | None) -> dict[str, Any] | None:
        if value is None:
            return None
        inner = {"originalValue": value, "interpretedValue": value, "resolvedValues": [value]}
        return {"shape": "Scalar", "value": inner}

    return {name: one(value) for name, value in slots.items()}


def build_lex_v2(p: Params, now: datetime) -> Event:
    slots = _v2_slots(_slots(p))
    missing = next((name for name, value in slots.items() if value is None), None)
    state = "InProgress" if missing else "ReadyForFulfillment"
    intent = {"name": p["intent"], "slots": slots, "state": state, "confirmationState": "None"}
    event: dict[str, Any] = {
        "messageVersion": "1.0",
        "invocationSource": p.choice("source", _SOURCES),
        "inputMode": "Text",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": hex_id(15),
        "inputTranscript": p["transcript"],
        "bot": {
            "id": hex_id(10).upper(),
            "name": p["bot"],
            "aliasId": "TSTALIASID",
            "aliasName": p["alias"],
            "localeId": p["locale"],
            "version": "DRAFT",
        },
        "interpretations": [{"intent": intent, "nluConfidence": 0.92}],
        "sessionState": {
            "sessionAttributes": {},
            "activeContexts": [],
            "intent": intent,
            "originatingRequestId": new_uuid(),
        },
        "transcriptions": [
            {
                "transcription": p["transcript"],
                "transcriptionConfidence": 1,
                "resolvedContext": {"intent": p["intent"]},
                "resolvedSlots": {name: value for name, value in slots.items() if value},
            }
        ],
        "requestAttributes": {},
    }
    if missing:
        event["proposedNextState"] = {
            "dialogAction": {"type": "ElicitSlot", "slotToElicit": missing},
            "intent": {**intent, "state": "InProgress"},
        }
    return event


_DEFAULTS = {
    "bot": "OrderFlowers",
    "alias": "TestBotAlias",
    "intent": "OrderFlowers",
    "slots": '{"FlowerType": "roses", "PickupDate": null}',
    "transcript": "I would like to order roses",
    "source": "DialogCodeHook",
    "user": "user-0001",
}

SPECS = (
    Spec(
        "lex",
        "Amazon Lex V1 code hook (slots: a JSON object; source: DialogCodeHook or "
        "FulfillmentCodeHook)",
        _DEFAULTS,
        build_lex,
        aliases=("lex-v1",),
    ),
    Spec(
        "lex-v2",
        "Amazon Lex V2 code hook (slots: a JSON object, null for a slot still to fill)",
        {**{k: v for k, v in _DEFAULTS.items() if k != "user"}, "locale": "en_US"},
        build_lex_v2,
    ),
)
