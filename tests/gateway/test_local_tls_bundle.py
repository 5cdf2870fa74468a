"""The functions' AWS_CA_BUNDLE under lamina api: the local CA (for @connections over HTTPS) and
the public CAs, since botocore trusts only that file and a handler's call to AWS must verify."""

from __future__ import annotations

import ssl
from pathlib import Path

import certifi
import pytest

from lamina.gateway.local_tls import ensure_certificates, trust_bundle


def test_the_bundle_trusts_the_local_ca_and_the_public_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    ca, _, _ = ensure_certificates(tmp_path)
    bundle = trust_bundle(tmp_path, ca)
    trusted = ssl.create_default_context(cafile=str(bundle)).get_ca_certs()
    public = ssl.create_default_context(cafile=certifi.where()).get_ca_certs()
    local = ssl.create_default_context(cafile=str(ca)).get_ca_certs()
    assert len(local) == 1 and local[0] in trusted
    assert len(trusted) == len(public) + 1 and all(cert in trusted for cert in public)


def test_the_developers_own_bundle_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A corporate proxy's CA (the developer's AWS_CA_BUNDLE) stays trusted."""
    ca, _, _ = ensure_certificates(tmp_path / "tls")
    own = tmp_path / "corporate.pem"
    other, _, _ = ensure_certificates(tmp_path / "other")
    own.write_text(other.read_text())
    monkeypatch.setenv("AWS_CA_BUNDLE", str(own))
    bundle = trust_bundle(tmp_path / "tls", ca)
    context = ssl.create_default_context(cafile=str(bundle))
    assert len(context.get_ca_certs()) == 2
