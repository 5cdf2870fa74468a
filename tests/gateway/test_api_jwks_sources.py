"""Where a JWT authorizer's keys come from: a JWKS URL in the api.jwks setting (fetched from a
real HTTP server on loopback, once for many requests), and no JWKS at all (one warning that
signatures go unchecked, while the issuer, audience and expiry still are); a JWKS URL that
does not answer is the token's 401 (with a log line naming it), not a server error."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.harness import ApiProcess

ISSUER = "https://issuer.lamina.test"


@pytest.fixture(scope="module")
def keys() -> tuple[Any, Any]:
    """(the issuer's key, a stranger's key)."""
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


class JwksServer:
    """The issuer's /.well-known/jwks.json on loopback, counting the fetches."""

    def __init__(self, key: Any) -> None:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        public.update(kid="key-1", use="sig", alg="RS256")
        body = json.dumps({"keys": [public]}).encode()
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def token(key: Any, **claims: Any) -> str:
    body = {"iss": ISSUER, "aud": "my-app", "sub": "alice", "exp": int(time.time()) + 600}
    body.update(claims)
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "key-1"})


def get_me(api: ApiProcess, bearer: str) -> requests.Response:
    return requests.get(api.url + "/me", headers={"Authorization": f"Bearer {bearer}"}, timeout=30)


def with_jwks(setting: str | None) -> Any:
    def prepare(root: Path) -> None:
        text = "" if setting is None else f'[tool.lamina.api.jwks]\n"{ISSUER}" = "{setting}"\n'
        (root / "pyproject.toml").write_text(text)

    return prepare


@pytest.fixture(scope="module")
def jwks_server(keys: tuple[Any, Any]) -> Iterator[JwksServer]:
    server = JwksServer(keys[0])
    try:
        yield server
    finally:
        server.close()


def test_a_jwks_url_checks_signatures(
    tmp_path: Path, keys: tuple[Any, Any], jwks_server: Any
) -> None:
    api = ApiProcess("jwt", tmp_path, prepare=with_jwks(jwks_server.url))
    try:
        for _ in range(3):
            response = get_me(api, token(keys[0]))
            assert response.status_code == 200, (response.text, api.stderr())
            claims = response.json()["jwt"]["claims"]  # the app answers its authorizer context
            assert claims["sub"] == "alice"
        assert jwks_server.fetches == 1  # the key set is kept, not fetched for each request
        refused = get_me(api, token(keys[1]))  # signed by a stranger, with the same kid
        assert refused.status_code == 401
        assert refused.json() == {"message": "Unauthorized"}
        assert "NOT checked" not in api.stderr()
    finally:
        api.stop()


def test_without_a_jwks_one_warning_and_the_rest_still_checked(
    tmp_path: Path, keys: tuple[Any, Any]
) -> None:
    api = ApiProcess("jwt", tmp_path, prepare=with_jwks(None))
    try:
        stranger = get_me(api, token(keys[1]))  # no keys known: the signature can't be judged
        assert stranger.status_code == 200, stranger.text
        assert get_me(api, token(keys[0])).status_code == 200
        assert get_me(api, token(keys[1], iss="https://other.example")).status_code == 401
        assert get_me(api, token(keys[1], aud="another-app")).status_code == 401
        assert get_me(api, token(keys[1], exp=int(time.time()) - 60)).status_code == 401
        # A hostile expiry is the token's 401, not a failure of Lamina's own.
        for exp in ("soon", None, [1]):
            refused = get_me(api, token(keys[1], exp=exp))
            assert (refused.status_code, refused.json()) == (401, {"message": "Unauthorized"})
        log = api.stderr()
        warnings = [line for line in log.splitlines() if "JWT signatures are NOT checked" in line]
        assert len(warnings) == 1, log
        assert ISSUER in warnings[0]
    finally:
        api.stop()


def test_a_jwks_url_that_does_not_answer_is_401_and_says_why(
    tmp_path: Path, keys: tuple[Any, Any]
) -> None:
    from ports import free_port

    dead = f"http://127.0.0.1:{free_port()}/.well-known/jwks.json"  # nothing listens there
    api = ApiProcess("jwt", tmp_path, prepare=with_jwks(dead))
    try:
        response = get_me(api, token(keys[0]))
        assert response.status_code == 401, response.text
        assert response.json() == {"message": "Unauthorized"}
        log = api.wait_for_log("GET /me 401")
        line = next(line for line in log.splitlines() if "GET /me 401" in line)
        assert f"authorizer Jwt: invalid token: JWKS {dead}: Fail to fetch" in line, line
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith('Bearer scope="" error="invalid_token" error_description="')
        assert challenge.count('"') == 6, challenge  # the description's own quotes replaced
        assert get_me(api, token(keys[0])).status_code == 401  # the server goes on
    finally:
        api.stop()


def test_a_jwks_file_without_keys_is_401_and_says_why(
    tmp_path: Path, keys: tuple[Any, Any]
) -> None:
    def empty_jwks(root: Path) -> None:
        with_jwks("empty-jwks.json")(root)
        (root / "empty-jwks.json").write_text('{"keys": []}')

    api = ApiProcess("jwt", tmp_path, prepare=empty_jwks)
    try:
        response = get_me(api, token(keys[0]))
        assert response.status_code == 401, response.text
        log = api.wait_for_log("GET /me 401")
        line = next(line for line in log.splitlines() if "GET /me 401" in line)
        assert "authorizer Jwt: invalid token:" in line and "did not contain any keys" in line
    finally:
        api.stop()
