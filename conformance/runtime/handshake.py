"""The go-plugin handshake line: `CORE|APP|NETWORK|ADDRESS|PROTOCOL|CERT[|MUX]` (spec section 4)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import socket
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding

RAW_STD_BASE64 = re.compile(r"^[A-Za-z0-9+/]+$")
CERT_FIELD_MIN_LENGTH = 50  # go-plugin parses field 6 only when it is longer than this


@dataclass(frozen=True)
class HandshakeLine:
    raw: bytes
    fields: tuple[str, ...]

    @classmethod
    def parse(cls, raw: bytes) -> "HandshakeLine":
        text = raw.decode("utf-8", "replace").strip()  # the host does TrimSpace then splits
        return cls(raw=raw, fields=tuple(text.split("|")))

    def field(self, number: int) -> str | None:
        """Field by its 1-based number as the spec counts them."""
        return self.fields[number - 1] if len(self.fields) >= number else None

    @property
    def network(self) -> str | None:
        return self.field(3)

    @property
    def address(self) -> str | None:
        return self.field(4)


def probe_address(network: str, address: str, timeout: float = 2.0) -> str | None:
    """Connect once to an announced address; None on success, else why not."""
    family = socket.AF_UNIX if network == "unix" else socket.AF_INET
    target: str | tuple[str, int]
    if network == "unix":
        target = address
    else:
        host, _, port = address.rpartition(":")
        target = (host, int(port))
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(target)
        except OSError as error:
            return f"{type(error).__name__}: {error}"
    return None


def decode_certificate_field(value: str) -> tuple[x509.Certificate | None, str | None]:
    """The certificate of field 6 (unpadded standard base64 DER), or why it is not one."""
    if len(value) <= CERT_FIELD_MIN_LENGTH:
        return None, f"field 6 has {len(value)} characters (a certificate needs more than {CERT_FIELD_MIN_LENGTH})"
    if not RAW_STD_BASE64.match(value):
        bad = sorted(set(re.sub(r"[A-Za-z0-9+/]", "", value)))
        return None, f"field 6 is not unpadded standard base64 (unexpected characters {''.join(bad)!r})"
    try:
        der = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except binascii.Error as error:
        return None, f"field 6 does not decode as base64: {error}"
    try:
        return x509.load_der_x509_certificate(der), None
    except ValueError as error:
        return None, f"field 6 is not a DER X.509 certificate: {error}"


def certificate_facts(cert: x509.Certificate) -> dict:
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        key_type = f"ECDSA {key.curve.name}"
    elif isinstance(key, rsa.RSAPublicKey):
        key_type = f"RSA {key.key_size}"
    else:
        key_type = type(key).__name__
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = san.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        dns_names = []
    return {
        "subject": cert.subject.rfc4514_string(),
        "dns_names": dns_names,
        "key_type": key_type,
        "signature_hash": cert.signature_hash_algorithm.name if cert.signature_hash_algorithm else None,
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "sha256_fingerprint": hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest(),
    }


def certificate_valid_now(cert: x509.Certificate) -> bool:
    now = dt.datetime.now(dt.timezone.utc)
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc

