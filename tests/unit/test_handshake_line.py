"""The go-plugin handshake line (conformance/runtime/handshake.py): parsing it, its certificate field, and the
announced address; on lines made here and on ones the recorded runs saw."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import socket

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from conformance.runtime.handshake import (CERT_FIELD_MIN_LENGTH, HandshakeLine, certificate_facts,
                                           certificate_valid_now, decode_certificate_field, probe_address)
from conformance.runtime.hostcert import generate_host_certificate
from unit_samples import SECRETS, result, sample


def make_certificate(key=None, *, days_from=-1, days_to=30, dns: list[str] | None = ("localhost",)) -> x509.Certificate:
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(1).not_valid_before(now + dt.timedelta(days=days_from))
               .not_valid_after(now + dt.timedelta(days=days_to)))
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False)
    return builder.sign(key, hashes.SHA256())


def field_of(cert: x509.Certificate) -> str:
    """As go-plugin writes it: base64.RawStdEncoding of the DER (no padding)."""
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode().rstrip("=")


@pytest.fixture(scope="module")
def host_cert() -> x509.Certificate:
    return x509.load_der_x509_certificate(generate_host_certificate().cert_der)


def test_a_six_field_line():
    line = HandshakeLine.parse(b"1|5|unix|/tmp/plugin123|grpc|MIIBcert\n")
    assert line.fields == ("1", "5", "unix", "/tmp/plugin123", "grpc", "MIIBcert")
    assert (line.network, line.address) == ("unix", "/tmp/plugin123")
    assert (line.field(1), line.field(2), line.field(5), line.field(6)) == ("1", "5", "grpc", "MIIBcert")
    assert line.raw == b"1|5|unix|/tmp/plugin123|grpc|MIIBcert\n"


def test_surrounding_whitespace_is_trimmed_as_the_host_does():
    line = HandshakeLine.parse(b"  1|5|tcp|127.0.0.1:10001|grpc|\r\n")
    assert line.fields == ("1", "5", "tcp", "127.0.0.1:10001", "grpc", "")
    assert line.address == "127.0.0.1:10001"


def test_a_seventh_field_is_kept():
    line = HandshakeLine.parse(b"1|5|unix|/s|grpc|cert|true\n")
    assert len(line.fields) == 7 and line.field(7) == "true"


def test_missing_fields_are_none():
    line = HandshakeLine.parse(b"1|5\n")
    assert line.fields == ("1", "5")
    assert (line.network, line.address, line.field(6)) == (None, None, None)


def test_a_banner_instead_of_a_handshake_is_one_field():
    line = HandshakeLine.parse(b"Starting my plugin v1.0...\n")
    assert line.fields == ("Starting my plugin v1.0...",) and line.network is None


def test_bytes_that_are_not_utf8_do_not_break_the_parse():
    line = HandshakeLine.parse(b"1|5|unix|/tmp/\xff\xfe|grpc|\n")
    assert line.address == "/tmp/\ufffd\ufffd"


def test_an_empty_line():
    assert HandshakeLine.parse(b"").fields == ("",)
    assert HandshakeLine.parse(b"\n").network is None


def test_the_certificate_field_of_a_real_host_certificate(host_cert):
    cert, why = decode_certificate_field(field_of(host_cert))
    assert why is None and cert == host_cert
    facts = certificate_facts(cert)
    assert facts["key_type"] == "ECDSA secp521r1" and facts["signature_hash"] == "sha512"
    assert facts["dns_names"] == ["localhost"] and "CN=localhost" in facts["subject"]
    assert facts["sha256_fingerprint"] == hashlib.sha256(host_cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    assert certificate_valid_now(cert)


def test_padded_base64_is_refused_naming_the_character(host_cert):
    padded = base64.b64encode(host_cert.public_bytes(serialization.Encoding.DER)).decode()
    if not padded.endswith("="):
        padded += "=="
    cert, why = decode_certificate_field(padded)
    assert cert is None and why == "field 6 is not unpadded standard base64 (unexpected characters '=')"


def test_url_safe_base64_is_refused(host_cert):
    urlsafe = field_of(host_cert).replace("+", "-").replace("/", "_") + "-_"
    cert, why = decode_certificate_field(urlsafe)
    assert cert is None and why.startswith("field 6 is not unpadded standard base64 (unexpected characters ")
    assert "-" in why and "_" in why


@pytest.mark.parametrize("value", ["", "MIIB", "A" * CERT_FIELD_MIN_LENGTH])
def test_a_field_too_short_for_a_certificate(value):
    assert decode_certificate_field(value) == (
        None, f"field 6 has {len(value)} characters (a certificate needs more than {CERT_FIELD_MIN_LENGTH})")


def test_base64_of_an_impossible_length():
    cert, why = decode_certificate_field("A" * 53)  # 53 % 4 == 1: no base64 string has that length
    assert cert is None and why.startswith("field 6 does not decode as base64")


def test_base64_of_something_that_is_not_a_certificate():
    value = base64.b64encode(b"not a certificate at all, just some bytes to encode").decode().rstrip("=")
    cert, why = decode_certificate_field(value)
    assert cert is None and why.startswith("field 6 is not a DER X.509 certificate")


def test_facts_of_an_rsa_certificate_without_names():
    cert = make_certificate(rsa.generate_private_key(public_exponent=65537, key_size=1024), dns=None)
    facts = certificate_facts(cert)
    assert facts["key_type"] == "RSA 1024" and facts["dns_names"] == [] and facts["signature_hash"] == "sha256"


@pytest.mark.parametrize("days_from, days_to, valid", [(-1, 30, True), (-30, -1, False), (1, 30, False)],
                         ids=["current", "expired", "not-yet-valid"])
def test_certificate_valid_now(days_from, days_to, valid):
    assert certificate_valid_now(make_certificate(days_from=days_from, days_to=days_to)) is valid


def test_the_recorded_runs_handshake_facts():
    document = sample(SECRETS)
    assert result(document, "HS-008")["message"].startswith("ECDSA secp521r1 certificate for localhost")
    network, address = result(document, "HS-006")["message"].split(" ", 1)
    line = HandshakeLine.parse(f"1|5|{network}|{address}|grpc|\n".encode())
    assert (line.network, line.address) == ("unix", address) and address.startswith("/")


def test_probe_address_of_a_listening_unix_socket(tmp_path):
    path = str(tmp_path / "p.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen(1)
        assert probe_address("unix", path) is None


def test_probe_address_of_a_socket_nobody_serves(tmp_path):
    why = probe_address("unix", str(tmp_path / "gone.sock"), timeout=1.0)
    assert why.startswith("FileNotFoundError: ")


def test_probe_address_of_a_closed_tcp_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connecting is refused
        assert probe_address("tcp", f"127.0.0.1:{port}", timeout=1.0).startswith("ConnectionRefusedError: ")


def test_probe_address_of_a_listening_tcp_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        assert probe_address("tcp", f"127.0.0.1:{listener.getsockname()[1]}") is None
