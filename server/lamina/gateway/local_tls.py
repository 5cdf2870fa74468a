"""A local CA and a certificate for 127.0.0.1/localhost, so `https://{domainName}/{stage}` (what
WebSocket handlers build their @connections endpoint from) reaches Lamina. Functions trust the
CA through AWS_CA_BUNDLE, which botocore reads. Made once per project under
.lamina/state/tls/; the CA's key never leaves that folder.

botocore trusts only the file AWS_CA_BUNDLE names, so the functions get a bundle: the local CA
and the CAs Lamina's own process trusts (its AWS_CA_BUNDLE, else certifi's, else OpenSSL's
default file), and a call to AWS from a WebSocket handler still verifies."""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from pathlib import Path

CA_FILE = "lamina-local-ca.pem"
CERT_FILE = "localhost.pem"
KEY_FILE = "localhost-key.pem"
BUNDLE_FILE = "trust-bundle.pem"


def trust_bundle(folder: Path, ca: Path) -> Path:
    """The file for the functions' AWS_CA_BUNDLE: `ca` and the usual public CAs (rewritten only
    when they changed)."""
    parts = [ca.read_text(encoding="ascii")]
    public = _public_cas()
    if public is not None:
        parts.append(public.read_text(encoding="utf-8", errors="replace"))
    text = "\n".join(parts)
    bundle = folder / BUNDLE_FILE
    if not bundle.is_file() or bundle.read_text(encoding="utf-8", errors="replace") != text:
        bundle.write_text(text, encoding="utf-8")
    return bundle


def _public_cas() -> Path | None:
    given = os.environ.get("AWS_CA_BUNDLE")
    if given and os.path.isfile(given):
        return Path(given)
    try:
        import certifi
    except ImportError:
        default = ssl.get_default_verify_paths().cafile
        return Path(default) if default and os.path.isfile(default) else None
    return Path(certifi.where())


def ensure_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key), created when missing."""
    ca, cert, key = folder / CA_FILE, folder / CERT_FILE, folder / KEY_FILE
    if ca.is_file() and cert.is_file() and key.is_file():
        return ca, cert, key
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lamina local CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key.chmod(0o600)
    return ca, cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context
