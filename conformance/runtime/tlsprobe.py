"""Mutual-TLS probes of a plugin's listener, with Python's ssl module (OpenSSL).

A probe connects the way a host's gRPC client does (TLS >= 1.2, ALPN h2, SNI
localhost), optionally presenting a client certificate, then sends the HTTP/2
client preface. It records the certificate the plugin serves instead of
verifying it, so that "does the plugin accept this client" (TLS-001, 003,
004) and "does it serve the certificate it announced" (TLS-002, which the
host enforces by pinning) are judged apart. The plugin accepted the client when its HTTP/2 SETTINGS frame comes
back; with TLS 1.3 a rejected client certificate only shows as an alert on
that first read, so completing the handshake alone proves nothing.

Why not grpcio: its BoringSSL refuses P-521 signatures, which is what every
real host and go-plugin plugin uses (spec 5.2).
"""

from __future__ import annotations

import socket
import ssl
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from conformance.runtime.hostcert import HostCertificate

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
H2_EMPTY_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
H2_SETTINGS_TYPE = 4


@dataclass
class TlsProbe:
    label: str
    accepted: bool = False
    handshake_done: bool = False
    version: str | None = None
    cipher: str | None = None
    alpn: str | None = None
    peer_cert_der: bytes | None = None
    refusal: str | None = None
    elapsed_ms: float = 0.0
    facts: dict = field(default_factory=dict)

    def as_evidence(self) -> dict:
        return {
            "client": self.label, "accepted": self.accepted, "tls_version": self.version,
            "cipher": self.cipher, "alpn": self.alpn, "refusal": self.refusal,
            "elapsed_ms": round(self.elapsed_ms, 2),
        }


def client_context(client: HostCertificate | None, workdir: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # recorded and compared with the announced one instead
    context.set_alpn_protocols(["h2"])
    if client is not None:
        # ssl loads keys only from files; they live in the run's private temp dir.
        with tempfile.NamedTemporaryFile(dir=workdir, suffix=".pem") as pem:
            pem.write(client.cert_pem + client.key_pem)
            pem.flush()
            context.load_cert_chain(pem.name)
    return context


def probe(label: str, network: str, address: str, client: HostCertificate | None,
          workdir: Path, timeout: float = 5.0) -> TlsProbe:
    result = TlsProbe(label)
    started = time.monotonic()
    try:
        context = client_context(client, workdir)
        if network == "unix":
            raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: str | tuple[str, int] = address
        else:
            host, _, port = address.rpartition(":")
            raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            target = (host, int(port))
        raw.settimeout(timeout)
        with raw:
            raw.connect(target)
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                result.handshake_done = True
                result.version = tls.version()
                result.cipher = (tls.cipher() or (None,))[0]
                result.alpn = tls.selected_alpn_protocol()
                result.peer_cert_der = tls.getpeercert(binary_form=True)
                tls.sendall(H2_PREFACE + H2_EMPTY_SETTINGS)
                header = _read_exactly(tls, 9)
                if len(header) == 9 and header[3] == H2_SETTINGS_TYPE:
                    result.accepted = True
                else:
                    result.refusal = f"connection closed after the TLS handshake (read {header!r})"
    except ssl.SSLError as error:
        result.refusal = f"TLS alert: {error.reason or error}"
    except (OSError, ValueError) as error:
        result.refusal = f"{type(error).__name__}: {error}"
    result.elapsed_ms = (time.monotonic() - started) * 1000
    return result


def _read_exactly(tls: ssl.SSLSocket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = tls.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return data
