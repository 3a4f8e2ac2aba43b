"""HS: what the plugin does when started, up to and including its handshake line.

Started without the magic cookie it must refuse (and say why); started with a
server's environment it must print the handshake line first, in time, with
core protocol version 1, an app protocol version it was offered, a listening
unix socket or loopback address, the grpc protocol and its AutoMTLS
certificate, and no seventh field unless multiplexing was asked; offered only
versions it does not speak it must not hang; it should log structured lines.

Sources: hashicorp/go-plugin server.go (Serve, protocolVersion, serverListener,
AutoMTLS), client.go (Start, checkProtoVersion, loadServerCert, logStderr),
CHANGELOG.md v1.6.0; openbao/openbao sdk/helper/pluginutil/run_config.go
(AllowedProtocols), sdk/plugin/plugin_v5.go.
"""

from __future__ import annotations

import json

from conformance.catalog import check
from conformance.runtime.handshake import certificate_facts, certificate_valid_now, decode_certificate_field
from conformance.outcomes import Evidence, expect
from conformance.runtime.plugin_env import PLUGIN_MAX_PORT, PLUGIN_MIN_PORT
from conformance.observations.context import CheckContext

REFUSAL_MESSAGE = "This binary is a plugin"


def _handshake(ctx: CheckContext, evidence: Evidence):
    launch = ctx.server_env_launch
    evidence.update(ctx.evidence_of_launch(launch))
    return launch, launch.handshake


@check("HS-001")
def refuses_without_cookie(ctx: CheckContext, evidence: Evidence) -> str:
    launch = ctx.cookieless_launch
    evidence.update(ctx.evidence_of_launch(launch))
    stdout = b"".join(launch.stdout_lines)
    expect(not stdout, "nothing on stdout without the magic cookie",
           f"stdout {stdout[:120]!r}")
    expect(launch.exit_code is not None, "the process to exit on its own",
           "it was still running after the bound and had to be stopped")
    expect(launch.exit_code != 0, "a non-zero exit status", "exit status 0")
    return f"exited with status {launch.exit_code} and printed nothing on stdout"


@check("HS-002")
def explains_refusal_on_stderr(ctx: CheckContext, evidence: Evidence) -> str:
    launch = ctx.cookieless_launch
    evidence["stderr_excerpt"] = launch.stderr[-600:]
    expect(REFUSAL_MESSAGE in launch.stderr, f"stderr to contain {REFUSAL_MESSAGE!r}",
           f"stderr {launch.stderr.strip()[:160]!r}" if launch.stderr.strip() else "an empty stderr")
    return "stderr explains that the binary is a plugin"


@check("HS-003")
def handshake_is_first_line(ctx: CheckContext, evidence: Evidence) -> str:
    launch, handshake = _handshake(ctx, evidence)
    if launch.first_line is None:
        seen = (f"the process exited with status {launch.exit_code} before writing a line"
                if launch.exit_code is not None else
                f"no line within {ctx.handshake_timeout_s:.0f} s")
        expect(False, "a handshake line on stdout", seen)
    expect(launch.first_line.endswith(b"\n"), "a newline-terminated first line",
           f"{launch.first_line[:120]!r} with no newline before stdout closed")
    assert handshake is not None
    expect(len(handshake.fields) >= 6 and handshake.field(1).isdigit() and handshake.field(2).isdigit(),
           "the handshake as the first stdout line (CORE|APP|NETWORK|ADDRESS|PROTOCOL|CERT)",
           f"first line {launch.first_line[:160]!r}")
    return f"handshake line after {launch.seconds_to_first_line * 1000:.0f} ms"


@check("HS-004")
def handshake_core_version(ctx: CheckContext, evidence: Evidence) -> str:
    _, handshake = _handshake(ctx, evidence)
    expect(handshake.field(1) == "1", "core protocol version 1 in field 1", f"{handshake.field(1)!r}")
    return "core protocol version 1"


@check("HS-005")
def handshake_offered_version(ctx: CheckContext, evidence: Evidence) -> str:
    launch, handshake = _handshake(ctx, evidence)
    offered = [v for v in launch.offered_versions.split(",") if v]
    evidence["offered_versions"] = offered
    expect(handshake.field(2) in offered, f"an app protocol version from PLUGIN_PROTOCOL_VERSIONS={','.join(offered)}",
           f"version {handshake.field(2)!r}")
    return f"app protocol version {handshake.field(2)} (offered {','.join(offered)})"


@check("HS-006")
def handshake_address_accepts(ctx: CheckContext, evidence: Evidence) -> str:
    launch, handshake = _handshake(ctx, evidence)
    network, address = handshake.network, handshake.address or ""
    expect(network in ("unix", "tcp"), "network unix or tcp in field 3", f"{network!r}")
    if network == "unix":
        expect(address.startswith("/"), "an absolute unix socket path in field 4", f"{address!r}")
    else:
        host, _, port = address.rpartition(":")
        expect(host in ("127.0.0.1", "::1", "[::1]"), "a loopback TCP address in field 4", f"{address!r}")
        expect(port.isdigit() and PLUGIN_MIN_PORT <= int(port) <= PLUGIN_MAX_PORT,
               f"a port within {PLUGIN_MIN_PORT}..{PLUGIN_MAX_PORT}", f"port {port!r}")
    evidence["connect"] = launch.address_problem or "accepted"
    expect(launch.address_problem is None, f"{network} {address} to accept a connection when announced",
           launch.address_problem or "")
    return f"{network} {address} accepted a connection"


@check("HS-007")
def handshake_protocol_grpc(ctx: CheckContext, evidence: Evidence) -> str:
    _, handshake = _handshake(ctx, evidence)
    expect(handshake.field(5) == "grpc", "protocol grpc in field 5", f"{handshake.field(5)!r}")
    return "protocol grpc"


@check("HS-008")
def handshake_server_certificate(ctx: CheckContext, evidence: Evidence) -> str:
    launch, handshake = _handshake(ctx, evidence)
    expect(launch.client_cert, "a launch with PLUGIN_CLIENT_CERT set", "no client certificate was given")
    value = handshake.field(6) or ""
    cert, problem = decode_certificate_field(value)
    expect(cert is not None, "the plugin's server certificate in field 6 (AutoMTLS)", problem or "")
    facts = certificate_facts(cert)
    evidence["server_certificate"] = facts
    expect(certificate_valid_now(cert), "a certificate valid now",
           f"validity {facts['not_before']} .. {facts['not_after']}")
    expect("localhost" in facts["dns_names"], "DNS name localhost in the certificate's SANs",
           f"DNS names {facts['dns_names']}")
    return f"{facts['key_type']} certificate for localhost, valid until {facts['not_after'][:10]}"



@check("HS-009")
def handshake_no_seventh_field(ctx: CheckContext, evidence: Evidence) -> str:
    _, handshake = _handshake(ctx, evidence)
    expect(len(handshake.fields) <= 6, "at most six fields (PLUGIN_MULTIPLEX_GRPC was not set)",
           f"{len(handshake.fields)} fields, the 7th {handshake.field(7)!r}")
    return f"{len(handshake.fields)} fields"


@check("HS-010")
def unsupported_versions_do_not_hang(ctx: CheckContext, evidence: Evidence) -> str:
    launch = ctx.unsupported_versions_launch
    evidence.update(ctx.evidence_of_launch(launch))
    offered = launch.offered_versions
    if launch.first_line is not None:
        announced = launch.handshake.field(2)
        expect(announced != offered, f"a version other than the unspoken {offered} (the host then rejects it)",
               f"version {announced!r}: it claims to speak {offered}")
        return f"announced version {announced}, which the host rejects"
    expect(launch.exit_code is not None,
           f"an exit or a handshake line within {ctx.handshake_timeout_s:.0f} s",
           "no line and still running: it hangs")
    expect(launch.exit_code != 0, "a non-zero exit status", "exit status 0")
    return f"exited with status {launch.exit_code}"


LEVEL_PREFIX = ("[TRACE]", "[DEBUG]", "[INFO]", "[WARN]", "[ERROR]")


def _structured(line: str) -> bool:
    if line.startswith(LEVEL_PREFIX):
        return True
    try:
        entry = json.loads(line)
    except ValueError:
        return False
    return isinstance(entry, dict) and "@level" in entry


@check("HS-011")
def stderr_logs_are_structured(ctx: CheckContext, evidence: Evidence) -> str:
    launch = ctx.server_env_launch
    lines = [line for line in launch.stderr.splitlines() if line.strip()]
    plain = [line for line in lines if not _structured(line)]
    evidence["stderr_lines"] = len(lines)
    evidence["unstructured_excerpt"] = plain[:3]
    expect(not plain, "hclog JSON or [LEVEL] lines on stderr", f"{len(plain)} plain line(s), first {plain[0][:120]!r}"
           if plain else "")
    return f"{len(lines)} structured stderr line(s)"
