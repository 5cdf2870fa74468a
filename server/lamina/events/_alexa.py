"""Alexa: a custom skill's requests (launch, intent, session ended) and the Smart Home skill
API's (v2) discovery and control directives.

Ids take Alexa's prefixes (`amzn1.ask.skill.<application_id>`, ...); an empty id is generated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lamina.events._common import Event, Params, Spec, b64_token, iso_s, new_uuid

_REASONS = ("USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS")


def _skill_request(p: Params, now: datetime, request: dict[str, Any], new: bool) -> Event:
    application = f"amzn1.ask.skill.{p['application_id'] or new_uuid()}"
    user = {"userId": f"amzn1.ask.account.{p['user_id'] or b64_token(30)}"}
    return {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": f"amzn1.echo-api.session.{p['session_id'] or new_uuid()}",
            "application": {"applicationId": application},
            "attributes": {},
            "user": user,
        },
        "context": {
            "AudioPlayer": {"playerActivity": "IDLE"},
            "System": {
                "application": {"applicationId": application},
                "user": user,
                "device": {
                    "deviceId": f"amzn1.ask.device.{b64_token(30)}",
                    "supportedInterfaces": {"AudioPlayer": {}},
                },
            },
        },
        "request": {
            "requestId": f"amzn1.echo-api.request.{p['request_id'] or new_uuid()}",
            "timestamp": iso_s(now),
            "locale": p["locale"],
            **request,
        },
    }


def build_alexa_launch(p: Params, now: datetime) -> Event:
    return _skill_request(p, now, {"type": "LaunchRequest"}, new=True)


def build_alexa_intent(p: Params, now: datetime) -> Event:
    slots = {
        name: {"name": name, "value": None if value is None else str(value)}
        for name, value in p.json_object("slots").items()
    }
    intent = {"name": p["intent"], "confirmationStatus": "NONE", "slots": slots}
    return _skill_request(p, now, {"type": "IntentRequest", "intent": intent}, new=False)


def build_alexa_session_ended(p: Params, now: datetime) -> Event:
    reason = p.choice("reason", _REASONS)
    return _skill_request(p, now, {"type": "SessionEndedRequest", "reason": reason}, new=False)


def _smart_home(name: str, namespace: str, payload: dict[str, Any]) -> Event:
    header = {"messageId": new_uuid().upper(), "name": name, "namespace": namespace,
              "payloadVersion": "2"}  # fmt: skip
    return {"header": header, "payload": payload}


def build_smart_home_discovery(p: Params, now: datetime) -> Event:
    return _smart_home(
        "DiscoverAppliancesRequest", "Alexa.ConnectedHome.Discovery", {"accessToken": p["token"]}
    )


def build_smart_home_control(p: Params, now: datetime) -> Event:
    action = p.choice("action", ("TurnOnRequest", "TurnOffRequest"))
    appliance = {"applianceId": p["appliance"], "additionalApplianceDetails": {}}
    payload = {"accessToken": p["token"], "appliance": appliance}
    return _smart_home(action, "Alexa.ConnectedHome.Control", payload)


_SKILL = {"application_id": "", "user_id": "", "session_id": "", "request_id": "",
          "locale": "en-US"}  # fmt: skip
_SMART_HOME = {"token": "access-token-from-the-skill"}

SPECS = (
    Spec(
        "alexa-launch",
        "Alexa skill: LaunchRequest (a new session)",
        _SKILL,
        build_alexa_launch,
        aliases=("alexa",),
    ),  # fmt: skip
    Spec(
        "alexa-intent",
        "Alexa skill: IntentRequest (slots: a JSON object of slot name to value)",
        {**_SKILL, "intent": "MyColorIsIntent", "slots": '{"Color": "blue"}'},
        build_alexa_intent,
    ),
    Spec(
        "alexa-session-ended",
        "Alexa skill: SessionEndedRequest",
        {**_SKILL, "reason": "USER_INITIATED"},
        build_alexa_session_ended,
    ),
    Spec(
        "alexa-smart-home-discovery",
        "Alexa Smart Home skill (v2): discover appliances",
        _SMART_HOME,
        build_smart_home_discovery,
    ),
    Spec(
        "alexa-smart-home-control",
        "Alexa Smart Home skill (v2): turn an appliance on or off",
        {**_SMART_HOME, "action": "TurnOnRequest", "appliance": "light-1"},
        build_smart_home_control,
    ),
)
