"""A failure inside lamina api's gateway (here a JWKS file that holds a JSON array, which PyJWT
fails on with an AttributeError) answers as API Gateway answers its own failures: 500 with a
JSON `message`, one request line naming the route and the error, and the server goes on."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.harness import ApiProcess

ISSUER = "https://issuer.lamina.test"


@pytest.fixture(scope="module")
def key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    def broken_jwks(root: Path) -> None:
        (root / "jwks.json").write_text("[]")  # valid JSON, not a key set

    process = ApiProcess("jwt", tmp_path_factory.mktemp("internal"), prepare=broken_jwks)
    try:
        yield process
    finally:
        process.stop()


def bearer(key: Any) -> dict[str, str]:
    claims = {"iss": ISSUER, "aud": "my-app", "sub": "alice", "exp": int(time.time()) + 600}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "key-1"})
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("path", "message", "id_header", "route"),
    [
        ("/me", "Internal Server Error", "apigw-requestid", "route GET /me"),
        ("/rest/me", "Internal server error", "x-amzn-RequestId", "route GET /rest/me"),
    ],
)
def test_a_failure_inside_the_gateway_is_a_json_500_and_one_line(
    api: ApiProcess, key: Any, path: str, message: str, id_header: str, route: str
) -> None:
    response = requests.get(api.url + path, headers=bearer(key), timeout=30)
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"message": message}
    assert response.headers[id_header]
    line = f"GET {path} 500 → Claims"
    log = api.wait_for_log(line)
    said = [entry for entry in log.splitlines() if entry.startswith(line)]
    assert len(said) == 1, log
    assert f"{route}: Lamina failed: AttributeError:" in said[0]
    assert "Traceback" not in log


def test_it_goes_on_serving_once_the_file_is_mended(api: ApiProcess, key: Any) -> None:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public.update(kid="key-1", use="sig", alg="RS256")
    requests.get(api.url + "/me", headers=bearer(key), timeout=30)  # fails, as above
    (api.root / "jwks.json").write_text(json.dumps({"keys": [public]}))
    response = requests.get(api.url + "/me", headers=bearer(key), timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["jwt"]["claims"]["sub"] == "alice"
    assert api.proc.poll() is None
