"""TLS: the plugin's AutoMTLS listener, probed as the host and as strangers, and its dial of the broker.

The plugin must complete mutual TLS (1.2 or later, ALPN h2) with the host's
P-521 certificate, serve exactly the certificate it announced, refuse clients
without a certificate or with another one, and dial the host's brokered
listener with mutual TLS when Setup names a broker id.

Sources: hashicorp/go-plugin server.go (AutoMTLS: RequireAndVerifyClientCert),
mtls.go, client.go (loadServerCert), grpc_client.go (h2), grpc_broker.go;
openbao/openbao sdk/plugin/grpc_backend_server.go (Setup).
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from conformance.catalog import check
from conformance.runtime.handshake import certificate_facts, decode_certificate_field
from conformance.outcomes import Blocked, Evidence, expect
from conformance.observations.context import CheckContext
from conformance.observations.wire_run import wire_seen


def _probe(ctx: CheckContext, evidence: Evidence, label: str):
    probes = ctx.server_env_launch.tls_probes
    if label not in probes:
        raise Blocked("no TLS probe was possible: the handshake gave no usable address and certificate")
    evidence["probe"] = probes[label].as_evidence()
    return probes[label]


@check("TLS-001")
def accepts_the_host_certificate(ctx: CheckContext, evidence: Evidence) -> str:
    host = _probe(ctx, evidence, "host")
    expect(host.accepted, "the plugin to accept the host's P-521 client certificate over TLS >= 1.2",
           host.refusal or "no HTTP/2 settings frame came back")
    expect(host.alpn == "h2", "ALPN h2 negotiated", f"ALPN {host.alpn!r}")
    return f"{host.version}, {host.cipher}, ALPN h2, HTTP/2 settings received"


@check("TLS-002")
def serves_the_announced_certificate(ctx: CheckContext, evidence: Evidence) -> str:
    host = _probe(ctx, evidence, "host")
    announced, _ = decode_certificate_field(ctx.server_env_launch.handshake.field(6) or "")
    announced_der = announced.public_bytes(Encoding.DER)
    served = certificate_facts(x509.load_der_x509_certificate(host.peer_cert_der)) if host.peer_cert_der else None
    evidence["served_certificate"] = served
    expect(host.peer_cert_der == announced_der, "the TLS certificate to be the one in the handshake line",
           f"another certificate on the wire (sha256 {served['sha256_fingerprint'] if served else 'none'}, "
           f"announced {certificate_facts(announced)['sha256_fingerprint']})")
    return "the certificate on the wire is the announced one"


@check("TLS-003")
def rejects_client_without_certificate(ctx: CheckContext, evidence: Evidence) -> str:
    anonymous = _probe(ctx, evidence, "none")
    expect(not anonymous.accepted, "a client without a certificate to be refused",
           "the plugin accepted it and answered with HTTP/2 settings")
    return f"refused: {anonymous.refusal}"


@check("TLS-004")
def rejects_client_with_other_certificate(ctx: CheckContext, evidence: Evidence) -> str:
    stranger = _probe(ctx, evidence, "other")
    expect(not stranger.accepted, "a client with a certificate other than PLUGIN_CLIENT_CERT to be refused",
           "the plugin accepted it and answered with HTTP/2 settings")
    return f"refused: {stranger.refusal}"


@check("TLS-005")
def dials_the_broker_with_mtls(ctx: CheckContext, evidence: Evidence) -> str:
    seen = wire_seen(ctx, evidence, mount_facts_only=True)
    expect(seen.setup_error is None, "Setup to return", seen.setup_error or "")
    accepted, established = seen.broker_connections or (0, 0)
    evidence["broker_dials"] = {"accepted": accepted, "mutual_tls_established": established}
    expect(established > 0, "a mutual-TLS connection to the brokered listener within 5 s of Setup",
           f"{accepted} connection(s) accepted, none completed mutual TLS" if accepted else "no dial at all")
    return f"dialled the brokered listener with mutual TLS ({established} connection(s))"
