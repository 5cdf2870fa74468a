"""JWT authorizers of HTTP APIs (`JwtConfiguration: {issuer, audience}`) and REST APIs' Cognito
user pool authorizers (`UserPoolArn`), checked with PyJWT.

As API Gateway: the token comes from the identity source (`$request.header.Authorization`; a
`Bearer ` prefix is dropped); it must be unexpired, from the issuer, for one of the audiences
(`aud`, or `client_id` for access tokens) and, where the route asks for `AuthorizationScopes`,
carry one of them in `scope`/`scp`. The signature is checked against the JWKS named for the
issuer in the `api.jwks` setting (a file or a URL); without one Lamina cannot know the issuer's
keys, so it says once that signatures go unchecked. The claims reach the function in
`requestContext.authorizer.jwt` (2.0) or `requestContext.authorizer` (1.0).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from lamina.gateway.authorizers import Denied
from lamina.gateway.http_types import HttpResponse
from lamina.gateway.responses import message_response

log = logging.getLogger("lamina.gateway")


@dataclass(frozen=True)
class JwtAuthorizer:
    name: str
    issuer: str
    audiences: tuple[str, ...]
    identity_header: str = "Authorization"
    jwks: str | None = None  # a JWKS file path or URL, from the api.jwks setting
    scopes: tuple[str, ...] = ()  # the route's AuthorizationScopes


def unauthorized(description: str) -> HttpResponse:
    # Kept a valid quoted string in one header line, whatever the error said.
    description = " ".join(description.replace("\\", "/").replace('"', "'").split())
    response = message_response(401, "Unauthorized")
    response.headers.append(
        (
            "www-authenticate",
            f'Bearer scope="" error="invalid_token" error_description="{description}"',
        )
    )
    return response


_warned: set[str] = set()


def _signing_key(authorizer: JwtAuthorizer, token: str) -> Any:
    import jwt

    source = authorizer.jwks
    if source is None:
        if authorizer.issuer not in _warned:
            _warned.add(authorizer.issuer)
            log.warning(
                "warning: no JWKS for %s in the api.jwks setting: JWT signatures are NOT checked "
                "(issuer, audience, expiry and scopes are)",
                authorizer.issuer or "an issuer only known once deployed",
            )
        return None
    if source.startswith(("http://", "https://")):
        try:
            return _jwks_client(source).get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientError as e:  # unreachable, not a JWKS, or no key for the kid
            raise jwt.InvalidTokenError(f"JWKS {source}: {e}") from None
    keys = jwt.PyJWKSet.from_dict(json.loads(Path(source).read_text(encoding="utf-8")))
    kid = jwt.get_unverified_header(token).get("kid")
    for key in keys.keys:
        if kid is None or key.key_id == kid:
            return key.key
    raise jwt.InvalidTokenError(f"no key {kid!r} in {source}")


@lru_cache(maxsize=32)
def _jwks_client(url: str) -> Any:
    """One client per JWKS URL, so the key set is fetched once and kept (PyJWT keeps it five
    minutes, and fetches again for a `kid` it does not know), not once a request."""
    import jwt

    return jwt.PyJWKClient(url, cache_keys=True)


def check_jwt(authorizer: JwtAuthorizer, headers: dict[str, str]) -> dict[str, Any]:
    """The claims and scopes for requestContext.authorizer.jwt, or Denied."""
    import jwt

    lowered = {k.lower(): v for k, v in headers.items()}
    raw = lowered.get(authorizer.identity_header.lower(), "").strip()
    token = raw[7:].strip() if raw.lower().startswith("bearer ") else raw
    if not token:
        raise Denied(message_response(401, "Unauthorized"), "no token in the request")
    try:
        key = _signing_key(authorizer, token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"],
            issuer=authorizer.issuer or None,  # "": the issuer is not known here
            # Said outright: without a signature check PyJWT checks no claim unless told to.
            # Its exp check refuses one that is not a number too ("soon", null).
            options={
                "verify_signature": key is not None,
                "verify_aud": False,
                "verify_iss": True,
                "verify_exp": True,
                "require": ["exp"],
            },
            leeway=0,
        )
    except (jwt.PyJWTError, OSError, ValueError) as e:  # PyJWTError: a bad JWKS too
        raise Denied(unauthorized(str(e)), f"invalid token: {e}") from None
    audiences = claims.get("aud", claims.get("client_id"))
    listed = audiences if isinstance(audiences, list) else [audiences]
    if authorizer.audiences and not set(map(str, listed)) & set(authorizer.audiences):
        raise Denied(unauthorized("invalid audience"), "the token is for another audience")
    granted = str(claims.get("scope") or claims.get("scp") or "").split()
    if authorizer.scopes and not set(granted) & set(authorizer.scopes):
        raise Denied(message_response(403, "Forbidden"), "the token has none of the route's scopes")
    return {
        "claims": {k: v if isinstance(v, str) else json.dumps(v) for k, v in claims.items()},
        "scopes": granted or None,
    }


def jwks_setting(settings: Mapping[str, object], root: Path) -> dict[str, str]:
    """The `api.jwks` setting (issuer → JWKS file or URL; [tool.lamina.api.jwks] or a dotted
    key), with files made absolute against the project root."""
    value: object = settings.get("api.jwks")
    if value is None:
        api = settings.get("api")
        value = api.get("jwks") if isinstance(api, Mapping) else None
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, str] = {}
    for issuer, source in value.items():
        text = str(source)
        is_url = text.startswith(("http://", "https://"))
        out[str(issuer)] = text if is_url else str((root / text).resolve())
    return out
