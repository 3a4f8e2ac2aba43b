"""TLS contexts of the host, as go-plugin builds them (client.go, grpc_broker.go).

Main connection: the host is the TLS client, presents its certificate and
trusts only the certificate the plugin announced. Brokered connections: roles
reversed, the host serves with its certificate and requires the plugin's.
"""

from __future__ import annotations

import ssl
import tempfile
from pathlib import Path

from conformance.runtime.hostcert import HostCertificate


def _load_host_certificate(context: ssl.SSLContext, host: HostCertificate, workdir: Path) -> None:
    with tempfile.NamedTemporaryFile(dir=workdir, suffix=".pem") as pem:  # ssl reads keys from files only
        pem.write(host.cert_pem + host.key_pem)
        pem.flush()
        context.load_cert_chain(pem.name)


def client_context(host: HostCertificate, plugin_cert_der: bytes, workdir: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_verify_locations(cadata=plugin_cert_der)
    context.check_hostname = True
    context.set_alpn_protocols(["h2"])
    _load_host_certificate(context, host, workdir)
    return context


def broker_server_context(host: HostCertificate, plugin_cert_der: bytes, workdir: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=plugin_cert_der)
    context.set_alpn_protocols(["h2"])
    _load_host_certificate(context, host, workdir)
    return context
