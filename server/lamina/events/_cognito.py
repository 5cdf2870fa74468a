"""Cognito user pool Lambda triggers."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from lamina.events._common import Default, Event, Params, Spec, default_region

CLIENT_ID = "1example23456789abcdefghij"


def _user_pool(p: Params) -> str:
    return p["user_pool"].strip() or f"{p['region']}_EXAMPLE"


def _sub(p: Params) -> str:
    """A stable `sub` for the user, so the same username always has the same id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cognito:{_user_pool(p)}:{p['username']}"))


def _confirmed_attributes(p: Params) -> dict[str, object]:
    return {
        "sub": _sub(p),
        "email_verified": "true",
        "cognito:user_status": "CONFIRMED",
        "email": p["email"],
    }


def _trigger(
    trigger_source: str,
    request: Callable[[Params], dict[str, object]],
    response: Callable[[Params], dict[str, object]],
) -> Callable[[Params, datetime], Event]:
    def build(p: Params, now: datetime) -> Event:
        del now  # Cognito trigger events carry no timestamp
        return {
            "version": "1",
            "triggerSource": trigger_source,
            "region": p["region"],
            "userPoolId": _user_pool(p),
            "userName": p["username"],
            "callerContext": {
                "awsSdkVersion": "aws-sdk-unknown-unknown",
                "clientId": p["client_id"],
            },
            "request": request(p),
            "response": response(p),
        }

    return build


def _empty(p: Params) -> dict[str, object]:
    return {}


build_pre_signup = _trigger(
    "PreSignUp_SignUp",
    lambda p: {"userAttributes": {"email": p["email"]}, "validationData": None},
    lambda p: {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
)
build_post_confirmation = _trigger(
    "PostConfirmation_ConfirmSignUp",
    lambda p: {"userAttributes": _confirmed_attributes(p)},
    _empty,
)
build_pre_authentication = _trigger(
    "PreAuthentication_Authentication",
    lambda p: {"userAttributes": _confirmed_attributes(p), "validationData": None},
    _empty,
)
build_post_authentication = _trigger(
    "PostAuthentication_Authentication",
    lambda p: {"userAttributes": _confirmed_attributes(p), "newDeviceUsed": False},
    _empty,
)
build_pre_token_generation = _trigger(
    "TokenGeneration_Authentication",
    lambda p: {
        "userAttributes": _confirmed_attributes(p),
        "groupConfiguration": {
            "groupsToOverride": [],
            "iamRolesToOverride": [],
            "preferredRole": None,
        },
    },
    lambda p: {"claimsOverrideDetails": None},
)


def _defaults() -> dict[str, Default]:
    return {
        "user_pool": "",
        "username": "jane.doe",
        "email": "jane.doe@example.com",
        "client_id": CLIENT_ID,
        "region": default_region,
    }


SPECS = (
    Spec(
        "cognito-pre-signup",
        "Cognito user pool pre sign-up trigger (PreSignUp_SignUp)",
        _defaults(),
        build_pre_signup,
        aliases=("cognito", "cognito-presignup", "cognito-signup"),
    ),
    Spec(
        "cognito-post-confirmation",
        "Cognito user pool post confirmation trigger (PostConfirmation_ConfirmSignUp)",
        _defaults(),
        build_post_confirmation,
    ),
    Spec(
        "cognito-pre-authentication",
        "Cognito user pool pre authentication trigger (PreAuthentication_Authentication)",
        _defaults(),
        build_pre_authentication,
        aliases=("cognito-pre-auth",),
    ),
    Spec(
        "cognito-post-authentication",
        "Cognito user pool post authentication trigger (PostAuthentication_Authentication)",
        _defaults(),
        build_post_authentication,
        aliases=("cognito-post-auth",),
    ),
    Spec(
        "cognito-pre-token-generation",
        "Cognito user pool pre token generation trigger (TokenGeneration_Authentication)",
        _defaults(),
        build_pre_token_generation,
        aliases=("cognito-pre-token",),
    ),
)
