"""The requirement catalog: every requirement the suite checks, in one place.

A requirement has a stable id (AREA-NNN), a level, a one-sentence title in
MUST/SHOULD wording and the source it comes from (repository and file of the
protocol's code or docs). The checks that verify it are small functions in the
module of its area, conformance/checks/<area>.py, each registered under the id
it verifies with @check("PATH-004"); the registry (load_checks, checks_for)
finds them by scanning that package, and tests/test_catalog.py proves every
requirement has a check in its own area's module and every check a requirement.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from enum import Enum
from typing import Callable

AREAS = {
    "HS": "handshake",
    "TLS": "tls",
    "PATH": "paths",
    "LEASE": "leases",
    "SHUT": "shutdown",
    "DB": "database",
    "MUX": "multiplexing",
    "VER": "versions",
    "SEC": "security",
    "PERF": "performance",
}

PLUGIN_TYPES = ("secret", "auth", "database")
BACKEND_TYPES = frozenset({"secret", "auth"})
DATABASE_TYPE = frozenset({"database"})


class Level(str, Enum):
    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"


class Needs(str, Enum):
    """What a check needs to run: which runtimes can give it that."""

    LAUNCH = "launch"  # starts the binary itself: every runtime
    SERVER = "server"  # a real OpenBao or Vault: process and docker runtimes


@dataclass(frozen=True)
class Requirement:
    id: str
    level: Level
    title: str
    source: str
    needs: Needs = Needs.LAUNCH
    depends_on: tuple[str, ...] = ()
    applies_to: frozenset[str] = frozenset(PLUGIN_TYPES)
    # It upgrades, reloads, seals, unmounts or restarts (or must follow every lease scenario): where a server
    # runs, it comes after the checks that read a settled mount, including the launch-only ones.
    late: bool = False

    @property
    def area(self) -> str:
        return AREAS[self.id.split("-")[0]]

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "level": self.level.value,
            "area": self.area,
            "title": self.title,
            "source": self.source,
            "checks": [function.__name__ for function in checks_for(self.id)],
            "check": check_location(self.id),
        }


GP = "hashicorp/go-plugin"
BAO = "openbao/openbao"
VLT = "hashicorp/vault"

# The handshake and the TLS link must be sound before any server-side check means anything.
CONNECT_MUSTS = ("HS-003", "HS-004", "HS-005", "HS-006", "HS-007", "HS-008", "TLS-001", "TLS-002")
# What a real server's mount needs the plugin to get right, checked first over the wire.
MOUNT_MUSTS = CONNECT_MUSTS + ("TLS-005", "PATH-007", "PATH-004")

REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement(
        "HS-001", Level.MUST,
        "Started without the magic cookie, the plugin MUST exit with a non-zero status and write nothing to stdout.",
        f"{GP} server.go (Serve: MagicCookieKey check, exit 1)",
    ),
    Requirement(
        "HS-002", Level.SHOULD,
        "When it refuses to start without the magic cookie, the plugin SHOULD say on stderr that it is a plugin not meant to be executed directly.",
        f"{GP} server.go (Serve: 'This binary is a plugin...')",
        depends_on=("HS-001",),
    ),
    Requirement(
        "HS-003", Level.MUST,
        "Started with the server's environment, the plugin MUST write the handshake as its first stdout line, newline-terminated, within the host's start timeout.",
        f"{GP} client.go (Start: first stdout line, StartTimeout 1 minute)",
    ),
    Requirement(
        "HS-004", Level.MUST,
        "The handshake line MUST carry core protocol version 1 in its first field.",
        f"{GP} server.go / client.go (CoreProtocolVersion)",
        depends_on=("HS-003",),
    ),
    Requirement(
        "HS-005", Level.MUST,
        "The handshake line MUST announce an app protocol version taken from PLUGIN_PROTOCOL_VERSIONS.",
        f"{GP} server.go (protocolVersion), client.go (checkProtoVersion); {BAO} sdk/plugin/plugin_v5.go",
        depends_on=("HS-003",),
    ),
    Requirement(
        "HS-006", Level.MUST,
        "The handshake line MUST announce a unix socket (absolute path) or a loopback TCP address within PLUGIN_MIN_PORT..PLUGIN_MAX_PORT that already accepts connections.",
        f"{GP} server.go (serverListener_unix, serverListener_tcp), client.go (address parsing)",
        depends_on=("HS-003",),
    ),
    Requirement(
        "HS-007", Level.MUST,
        "The handshake line MUST name the protocol grpc (OpenBao accepts nothing else).",
        f"{BAO} sdk/helper/pluginutil/run_config.go (AllowedProtocols); {GP} client.go",
        depends_on=("HS-003",),
    ),
    Requirement(
        "HS-008", Level.MUST,
        "When PLUGIN_CLIENT_CERT is set, the handshake line MUST carry the plugin's server certificate as unpadded standard base64 DER, currently valid and issued for DNS name localhost.",
        f"{GP} server.go (AutoMTLS: RawStdEncoding of the leaf), client.go (loadServerCert)",
        depends_on=("HS-003",),
    ),
    Requirement(
        "HS-009", Level.MUST,
        "The handshake line MUST NOT carry a seventh field unless the host set PLUGIN_MULTIPLEX_GRPC (older hosts split on at most six).",
        f"{GP} server.go (broker multiplexing field only with PLUGIN_MULTIPLEX_GRPC), client.go; CHANGELOG.md v1.6.0",
        depends_on=("HS-003",),
    ),
    Requirement(
        "HS-010", Level.MUST,
        "Offered only protocol versions it does not speak, the plugin MUST exit non-zero or announce a version the host rejects, within the start timeout, and MUST NOT hang.",
        f"{GP} server.go (protocolVersion: no overlap -> lowest version), client.go (checkProtoVersion, StartTimeout)",
    ),
    Requirement(
        "HS-011", Level.SHOULD,
        "The plugin SHOULD log to stderr as hclog JSON lines or [LEVEL]-prefixed lines, which the host re-logs at their level.",
        f"{GP} client.go (logStderr)",
        depends_on=("HS-003",),
    ),
    Requirement(
        "TLS-001", Level.MUST,
        "The plugin MUST complete mutual TLS (version 1.2 or later, ALPN h2) with a client presenting the host's P-521 certificate from PLUGIN_CLIENT_CERT.",
        f"{GP} server.go (AutoMTLS: RequireAndVerifyClientCert, MinVersion TLS 1.2), mtls.go (P-521); {GP} grpc_client.go (h2)",
        depends_on=("HS-006", "HS-008"),
    ),
    Requirement(
        "TLS-002", Level.MUST,
        "The plugin MUST serve TLS with exactly the certificate it announced in its handshake line (the host pins it).",
        f"{GP} client.go (loadServerCert: the announced certificate is the only root)",
        depends_on=("TLS-001",),
    ),
    Requirement(
        "TLS-003", Level.MUST,
        "The plugin MUST refuse a TLS client that presents no certificate.",
        f"{GP} server.go (AutoMTLS: ClientAuth RequireAndVerifyClientCert)",
        depends_on=("TLS-001",),
    ),
    Requirement(
        "TLS-004", Level.MUST,
        "The plugin MUST refuse a TLS client whose certificate is not the one given in PLUGIN_CLIENT_CERT.",
        f"{GP} server.go (AutoMTLS: ClientCAs = PLUGIN_CLIENT_CERT only)",
        depends_on=("TLS-001",),
    ),
    Requirement(
        "TLS-005", Level.MUST,
        "When Setup names a broker id, the plugin MUST dial the host's brokered listener with mutual TLS, presenting its announced certificate and trusting PLUGIN_CLIENT_CERT.",
        f"{GP} grpc_broker.go (DialWithOptions, AcceptAndServe: same TLS, roles reversed); {BAO} sdk/plugin/grpc_backend_server.go (Setup)",
        depends_on=("TLS-002",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-007", Level.MUST,
        "Setup with a valid mount configuration MUST succeed with an empty SetupReply.err (a factory failure belongs in err, never a crash).",
        f"{BAO} sdk/plugin/grpc_backend_server.go (Setup), vault/mount.go (newLogicalBackend)",
        depends_on=("TLS-005",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-004", Level.MUST,
        "Type MUST report the declared plugin type: 1 for a secrets engine, 2 for an auth method.",
        f"{BAO} vault/mount.go (mountInternal: unknown backend type), vault/auth.go; sdk/logical/logical.go (BackendType)",
        depends_on=("PATH-007",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-005", Level.MUST,
        "SpecialPaths MUST be well-formed: non-empty relative paths, '*' only as the last character, '+' only as a whole segment.",
        f"{BAO} vault/router.go (special path matching: prefix '*', segment wildcard '+'); sdk/plugin/pb/backend.proto (Paths)",
        depends_on=("PATH-007",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-006", Level.MUST,
        "An operation the plugin does not implement MUST be answered with an unsupported-operation or unsupported-path error (err_type 5 or 6), not a gRPC error.",
        f"{BAO} vault/rollback.go (ignores ErrUnsupportedOperation), sdk/plugin/pb/translation.go (ErrTypeUnsupportedOperation/Path)",
        depends_on=("PATH-007",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "SEC-001", Level.MUST,
        "Under concurrent, malformed (invalid JSON), oversized (8 MiB) and cancelled requests the plugin MUST keep answering, as the same process.",
        f"{VLT} website/content/docs/plugins/plugin-development.mdx (concurrent requests); {BAO} sdk/plugin/serve.go (MaxRecvMsgSize math.MaxInt32)",
        depends_on=("PATH-007",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-008", Level.MUST,
        "State the plugin writes MUST go to the host's storage through the broker, and reads MUST come back from it (a plugin restarted on the same storage sees it).",
        f"{BAO} sdk/plugin/grpc_storage.go (storage over the broker), builtin/plugin/v5/backend.go (relaunch on existing storage)",
        depends_on=("SEC-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "SEC-002", Level.MUST,
        "When the host's storage fails or is slow, the plugin MUST answer the request (with an error if need be), never crash or hang.",
        f"{BAO} sdk/plugin/grpc_storage.go (errors travel in reply err strings), vault/request_handling.go",
        depends_on=("PATH-008",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "SEC-004", Level.SHOULD,
        "The plugin SHOULD listen on loopback only: go-plugin serves on a unix socket or 127.0.0.1, and a listener on a wider address (0.0.0.0, ::) opens the plugin to other hosts.",
        f"{GP} server.go (serverListener: unix socket, or tcp on 127.0.0.1 within PLUGIN_MIN_PORT..PLUGIN_MAX_PORT)",
        depends_on=("PATH-007",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "MUX-001", Level.MUST,
        "A plugin that reports multiplexing support MUST keep its mounts apart: a second mount (another multiplex_id) on the same process MUST NOT see what the first one wrote.",
        f"{BAO} sdk/plugin/grpc_backend_server.go (one backend instance per multiplex_id), sdk/helper/pluginutil/multiplexing.go",
        depends_on=("SEC-002",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-011", Level.MUST,
        "The existence check MUST agree with storage: absent before an item's first write, present after it (the server routes create and update, and their ACL capabilities, by it).",
        f"{BAO} internal/vault/request_handling.go (existence check: create vs update), sdk/framework/backend.go (HandleExistenceCheck)",
        depends_on=("PATH-008",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "LEASE-008", Level.MUST,
        "Revoking the same secret twice MUST succeed both times (the server retries revocations and replays them after a restart).",
        f"{BAO} internal/vault/expiration.go (revokeEntry retried with backoff; leases restored and revoked again after a restart), sdk/framework/secret.go (Secret.Revoke)",
        depends_on=("PATH-007",),
        applies_to=frozenset({"secret"}),
    ),
    Requirement(
        "LEASE-009", Level.MUST,
        "Renew and revoke of a secret with broken internal data (wrong types, missing fields, an unknown secret type, not JSON) MUST be answered, with an error if need be, by the same process.",
        f"{BAO} sdk/plugin/pb/translation.go (ProtoSecretToLogicalSecret: internal data is JSON from storage), sdk/framework/backend.go (handleRevokeRenew: secret_type lookup)",
        depends_on=("PATH-007",),
        applies_to=frozenset({"secret"}),
    ),
    Requirement(
        "VER-001", Level.MUST,
        "The version the plugin reports (PluginVersion) MUST be a semantic version, or empty.",
        f"{BAO} sdk/logical/logical.go (PluginVersioner), sdk/framework/backend.go (RunningVersion), internal/vault/plugin_catalog.go (semver check at registration)",
        depends_on=("PATH-007",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "SHUT-001", Level.MUST,
        "The plugin MUST answer Cleanup promptly and keep serving until Shutdown.",
        f"{BAO} sdk/plugin/grpc_backend_client.go (Cleanup, then broker GracefulStop), vault/mount.go (unmountInternal)",
        depends_on=("PATH-007",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "SHUT-002", Level.MUST,
        "After GRPCController/Shutdown the plugin process MUST exit within 2 s (the host SIGKILLs it after that).",
        f"{GP} client.go (Kill: Shutdown, wait 2 s, Process.Kill), grpc_controller.go",
        depends_on=("SHUT-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "SHUT-003", Level.SHOULD,
        "After GRPCController/Shutdown the plugin SHOULD exit with status 0.",
        f"{GP} server.go (Serve returns when the gRPC server stops; main returns)",
        depends_on=("SHUT-002",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "SHUT-011", Level.MUST,
        "Once the plugin process has exited after GRPCController/Shutdown, no process it started (a child, even one in a session of its own) MUST still be running.",
        f"{GP} client.go (Kill ends the plugin process only: a child left behind is nobody's to end)",
        depends_on=("SHUT-002",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "SHUT-009", Level.SHOULD,
        "Once it has answered Cleanup, the plugin SHOULD have stopped the mount's background work: no storage call and no log line from it in the next 750 ms (the SDK closes the mount's storage connection on Cleanup).",
        f"{VLT} sdk/logical/logical.go (Backend.Cleanup: 'invoked during an unmount of a backend to allow it to handle any cleanup'), sdk/framework/backend.go (Clean), sdk/plugin/grpc_backend_server.go (Cleanup closes the brokered storage client)",
        depends_on=("SHUT-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "VER-003", Level.MUST,
        "The plugin MUST report the version it is registered as: registered with its declared version it is accepted, and the catalog and the mount show what it reports.",
        f"{BAO} internal/vault/plugin_catalog.go (setInternal: 'plugin version mismatch: reported version did not match requested version'), internal/vault/logical_system.go (running_plugin_version)",
        depends_on=("PATH-007",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-001", Level.MUST,
        "Registered in the catalog with its sha256 and enabled, the plugin MUST mount, and the server MUST report it running with that sha256.",
        f"{BAO} vault/plugin_catalog.go (setInternal), vault/mount.go (mountInternal), sdk/plugin/grpc_backend_server.go (Setup)",
        needs=Needs.SERVER,
        depends_on=MOUNT_MUSTS,
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-015", Level.MUST,
        "What the manifest's [[exercise]] writes through the server MUST read back with the written values (and with what its expect tables name).",
        f"{BAO} sdk/logical/storage.go (StorageEntry round trip), sdk/framework/path.go (field data in, response data out)",
        needs=Needs.SERVER,
        depends_on=("PATH-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-017", Level.MUST,
        "Two mounts of the same plugin MUST NOT see each other's data.",
        f"{BAO} internal/vault/mount.go (each mount gets its own barrier view, logical/<uuid>/), sdk/plugin/grpc_backend_server.go (one backend per multiplex_id)",
        needs=Needs.SERVER,
        depends_on=("PATH-015",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-018", Level.MUST,
        "50 concurrent requests through the server MUST all be answered as a single one is, by the same plugin process.",
        f"{VLT} website/content/docs/plugins/plugin-development.mdx (plugins serve requests concurrently); {BAO} internal/vault/request_handling.go",
        needs=Needs.SERVER,
        depends_on=("PATH-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-012", Level.MUST,
        "A LIST answer MUST carry data.keys as a list of strings, and name an item just written under the listed path.",
        f"{BAO} sdk/logical/response_util.go (RespondErrorCommon: LIST answers and keys), sdk/logical/response.go (ListResponse)",
        needs=Needs.SERVER,
        depends_on=("PATH-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-013", Level.MUST,
        "A delete of an item that does not exist MUST NOT be a server error (success or a 4xx; deletes are idempotent).",
        f"{BAO} sdk/logical/storage.go (Delete of a missing key is not an error), internal/vault/logical_passthrough.go (handleDelete)",
        needs=Needs.SERVER,
        depends_on=("PATH-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-019", Level.MUST,
        "The manifest's login, sent without a token, MUST yield a token that works (lookup-self) and carries the policies the manifest names.",
        f"{BAO} internal/vault/request_handling.go (handleLoginRequest: auth -> token), sdk/logical/auth.go (Auth.Policies)",
        needs=Needs.SERVER,
        depends_on=("PATH-001",),
        applies_to=frozenset({"auth"}),
    ),
    Requirement(
        "PATH-020", Level.SHOULD,
        "A login SHOULD ask for a TTL within the mount's limits: a positive lease_duration, no more than max_lease_ttl, nothing the server had to cap.",
        f"{BAO} sdk/framework/lease.go (CalculateTTL: caps TTL and period at the max and warns), internal/vault/request_handling.go",
        needs=Needs.SERVER,
        depends_on=("PATH-019",),
        applies_to=frozenset({"auth"}),
    ),
    Requirement(
        "SEC-003", Level.MUST,
        "Configuration paths (the manifest's setup and exercise writes) MUST refuse a request without a token: only login-like paths may be declared unauthenticated.",
        f"{BAO} internal/vault/routing/router.go (LoginPath: unauthenticated special paths bypass the token check), sdk/logical/logical.go (Paths.Unauthenticated)",
        needs=Needs.SERVER,
        depends_on=("PATH-001",),
        applies_to=frozenset({"auth"}),
    ),
    Requirement(
        "PATH-021", Level.MUST,
        "Every path the plugin declares unauthenticated MUST be served without a token (not 403, not 'unsupported path').",
        f"{BAO} internal/vault/routing/router.go (LoginPath), sdk/plugin/grpc_backend_server.go (SpecialPaths)",
        needs=Needs.SERVER,
        depends_on=("PATH-001", "PATH-005"),
        applies_to=frozenset({"auth"}),
    ),
    Requirement(
        "PATH-022", Level.SHOULD,
        "A refused login (the manifest's refused_data) SHOULD be answered 400 or 403 with an error, never a 5xx and never an auth.",
        f"{BAO} sdk/logical/error.go (ErrPermissionDenied -> 403), sdk/logical/response_util.go (RespondErrorCommon)",
        needs=Needs.SERVER,
        depends_on=("PATH-001",),
        applies_to=frozenset({"auth"}),
    ),
    Requirement(
        "LEASE-003", Level.MUST,
        "A secret the manifest says is leased MUST come with a lease: a lease id under the mount, a lease_duration within the mount's max_lease_ttl and a renewable flag, and sys/leases/lookup MUST agree.",
        f"{BAO} internal/vault/expiration.go (Register: the lease of a response's Secret), sdk/logical/secret.go (LeaseOptions), internal/vault/logical_system.go (handleLeaseLookup)",
        needs=Needs.SERVER,
        depends_on=("PATH-001",),
        applies_to=frozenset({"secret"}),
    ),
    Requirement(
        "LEASE-001", Level.MUST,
        "A renewable lease MUST renew through the server's expiration manager, with and without an increment (the renew answer carries the secret, so the lease is extended); a non-renewable one MUST be refused with a 4xx.",
        f"{BAO} internal/vault/expiration.go (Renew: a response without a secret does not extend the lease), sdk/framework/lease.go (LeaseExtend)",
        needs=Needs.SERVER,
        depends_on=("LEASE-003",),
        applies_to=frozenset({"secret"}),
    ),
    Requirement(
        "LEASE-004", Level.MUST,
        "A renewal MUST NOT extend a lease past its max TTL (the manifest's lease.max_ttl, else the mount's), whatever increment is asked.",
        f"{BAO} sdk/framework/lease.go (LeaseExtend -> CalculateTTL: capped at the max TTL from issue time)",
        needs=Needs.SERVER,
        depends_on=("LEASE-001",),
        applies_to=frozenset({"secret"}),
    ),
    Requirement(
        "LEASE-002", Level.MUST,
        "Revoking a lease MUST succeed (an empty success reply), after which the server no longer knows the lease; revoking it again MUST succeed too.",
        f"{BAO} internal/vault/expiration.go (revokeEntry: any error keeps the lease), internal/vault/logical_system.go (handleRevoke)",
        needs=Needs.SERVER,
        depends_on=("LEASE-003",),
        applies_to=frozenset({"secret"}),
    ),
    Requirement(
        "LEASE-005", Level.MUST,
        "Revocation MUST take effect: the credential the manifest's verify request shows active before it MUST show revoked after it.",
        f"{BAO} internal/vault/expiration.go (revokeEntry calls the backend's revoke), sdk/framework/secret.go (Secret.Revoke)",
        needs=Needs.SERVER,
        depends_on=("LEASE-002",),
        applies_to=frozenset({"secret"}),
    ),
    Requirement(
        "LEASE-006", Level.MUST,
        "sys/leases/revoke-prefix MUST revoke every lease the plugin issued under the prefix.",
        f"{BAO} internal/vault/expiration.go (RevokePrefix), internal/vault/logical_system.go (handleRevokePrefix)",
        needs=Needs.SERVER,
        depends_on=("LEASE-002",),
        applies_to=frozenset({"secret"}),
    ),
    Requirement(
        "LEASE-013", Level.MUST,
        "Revoking a lease whose credential was already removed out of band (the manifest's lease.remove) MUST succeed.",
        f"{BAO} internal/vault/expiration.go (revokeEntry: a failed revoke keeps the lease and retries it), sdk/framework/secret.go (Secret.Revoke)",
        needs=Needs.SERVER,
        depends_on=("LEASE-002",),
        applies_to=frozenset({"secret"}),
    ),
    Requirement(
        "LEASE-014", Level.MUST,
        "Disabling a mount MUST succeed and revoke every lease it issued (the server revokes them through the plugin first).",
        f"{BAO} internal/vault/mount.go (unmountInternal: RevokePrefix of the mount before it is removed), internal/vault/expiration.go",
        needs=Needs.SERVER,
        depends_on=("LEASE-002",),
        applies_to=frozenset({"secret"}),
    ),
    Requirement(
        "LEASE-010", Level.MUST,
        "A login the manifest says is renewable MUST be renewable, and its token MUST renew through the plugin's renew handler (auth/token/renew-self) with its policies unchanged.",
        f"{BAO} internal/vault/expiration.go (RenewToken: calls the backend's renew, refuses changed policies), sdk/framework/backend.go (AuthRenew)",
        needs=Needs.SERVER,
        depends_on=("PATH-019",),
        applies_to=frozenset({"auth"}),
    ),
    Requirement(
        "LEASE-011", Level.MUST,
        "A token renewal MUST NOT extend a login past its max TTL (the manifest's login.max_ttl, else the mount's), whatever increment is asked.",
        f"{BAO} sdk/framework/lease.go (LeaseExtend/CalculateTTL: the max TTL from issue time), internal/vault/expiration.go (RenewToken)",
        needs=Needs.SERVER,
        depends_on=("LEASE-010",),
        applies_to=frozenset({"auth"}),
    ),
    Requirement(
        "PATH-002", Level.SHOULD,
        "A help request on the mount root SHOULD return a help text (and the OpenAPI document the framework builds).",
        f"{VLT} sdk/framework/backend.go (handleRootHelp); {BAO} sdk/logical/request.go (HelpOperation)",
        needs=Needs.SERVER,
        depends_on=("PATH-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-003", Level.MUST,
        "A read of a path the plugin does not serve (or of an item that does not exist) MUST get HTTP 404, 'unsupported path' or an empty not-found, and the plugin process MUST stay up.",
        f"{BAO} sdk/plugin/pb/translation.go (ErrTypeUnsupportedPath), sdk/logical/response_util.go (RespondErrorCommon)",
        needs=Needs.SERVER,
        depends_on=("PATH-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-016", Level.MUST,
        "State MUST survive a plugin reload (sys/plugins/reload/backend) and a new plugin process (the old one killed): it lives in the server's storage, not in the process.",
        f"{BAO} internal/vault/plugin_reload.go (reload a mount's backend), internal/builtin/plugin/v5/backend.go (relaunch on existing storage)",
        needs=Needs.SERVER,
        depends_on=("PATH-015",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-009", Level.MUST,
        "Every request derived from the plugin's own OpenAPI document (documented, wrong type, missing required, null, oversized, boundary values) MUST be answered without a crash: no 5xx from a panic or a broken transport, and the same plugin process throughout.",
        f"{BAO} sdk/framework/openapi.go (the document), sdk/framework/backend.go (HandleRequest: field validation), sdk/plugin/grpc_backend_client.go (a dead plugin surfaces as a transport error)",
        needs=Needs.SERVER,
        depends_on=("PATH-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-010", Level.SHOULD,
        "Invalid input in derived requests SHOULD be refused with a 4xx and an error message, not a 5xx.",
        f"{BAO} sdk/logical/response_util.go (RespondErrorCommon: error responses and ErrInvalidRequest are 400, other errors 500), sdk/framework/backend.go (field parse errors)",
        needs=Needs.SERVER,
        depends_on=("PATH-009",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-014", Level.MUST,
        "An operation a declared path does not serve MUST be answered 405 'unsupported operation', told apart from a path the plugin does not serve (404).",
        f"{BAO} sdk/framework/backend.go (HandleRequest: no callback -> ErrUnsupportedOperation), sdk/logical/response_util.go (405 vs 404)",
        needs=Needs.SERVER,
        depends_on=("PATH-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "VER-002", Level.MUST,
        "Switched to another registered version on a live mount (tune plugin_version, reload), the plugin MUST run as that version and binary and read back the state the old version wrote.",
        f"{BAO} internal/vault/logical_system.go (mount tune: plugin_version), internal/vault/plugin_reload.go, internal/vault/mount.go (running_plugin_version, running_sha256)",
        needs=Needs.SERVER,
        late=True,
        depends_on=("PATH-015",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "SHUT-006", Level.MUST,
        "Reloaded by name (sys/plugins/reload/backend with plugin), the old plugin process MUST end by itself within the 2 s grace and a new one MUST serve the mount as before (an auth method's login still working without a token).",
        f"{BAO} internal/vault/plugin_reload.go (reloadMatchingPlugin), {GP} client.go (Kill: 2 s grace, then SIGKILL)",
        needs=Needs.SERVER,
        late=True,
        depends_on=("PATH-001",),
        applies_to=BACKEND_TYPES,
    ),
    # After the path checks, a version upgrade and a reload: its lease (started by LEASE-003's check) runs out
    # meanwhile; before sealing, catalog faults and unmounts, which could keep it from being revoked on time or
    # revoke it for another reason (LEASE-007 issues a new one if it finds the first gone before its TTL).
    Requirement(
        "LEASE-007", Level.MUST,
        "A lease of a few seconds (the manifest's lease.expiring recipe) MUST be revoked by the server on its own when it expires, and the plugin's revoke MUST take effect.",
        f"{BAO} internal/vault/expiration.go (expireLeaseStrategyFairsharing: revocation at expiry), sdk/framework/lease.go (the TTL the role sets)",
        needs=Needs.SERVER,
        late=True,
        depends_on=("LEASE-002",),
        applies_to=frozenset({"secret"}),
    ),
    Requirement(
        "LEASE-012", Level.MUST,
        "Every lease of the mount still alive at the end of the run MUST revoke, so none is left behind (each reported against the scenario that issued it).",
        f"{BAO} internal/vault/expiration.go (revokeEntry: a failing revoke keeps the lease and retries it forever), internal/vault/logical_system.go (handleLeaseLookupList)",
        needs=Needs.SERVER,
        late=True,
        depends_on=("PATH-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "SHUT-005", Level.MUST,
        "Sealing the server MUST end the plugin's process by itself within the 2 s grace (no SIGKILL), and after unsealing the mount MUST answer as before.",
        f"{BAO} internal/vault/core.go (sealInternal -> preSeal: the mounts are torn down), {GP} client.go (Kill: 2 s grace, then SIGKILL; 'plugin process exited')",
        needs=Needs.SERVER,
        late=True,
        depends_on=("PATH-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "SHUT-010", Level.MUST,
        "Through a catalog fault (its binary removed from disk, then re-registered with a wrong sha256) the running plugin MUST keep serving until it is reloaded, the server MUST refuse to start the faulty entry cleanly and still seal and unseal, and once re-registered and reloaded the plugin MUST serve the mount as before.",
        f"{BAO} sdk/helper/pluginutil/run_config.go (SecureConfig carries the registered sha256), {GP} client.go (Start: SecureConfig.Check before exec, 'checksums did not match'), {BAO} internal/vault/plugin_reload.go",
        needs=Needs.SERVER,
        late=True,
        depends_on=("PATH-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "SHUT-008", Level.MUST,
        "Once its last mount is disabled, no process the plugin started (itself or a child of it) MUST be left running.",
        f"{GP} client.go (Kill ends the plugin process only: children are the plugin's to end), {BAO} internal/vault/mount.go (unmountInternal)",
        needs=Needs.SERVER,
        late=True,
        depends_on=("PATH-001", "LEASE-012"),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "SHUT-004", Level.MUST,
        "Disabling the mount MUST end the plugin's process by itself within the 2 s grace (no SIGKILL).",
        f"{BAO} internal/vault/mount.go (unmountInternal: Cleanup, then the plugin client is killed), {GP} client.go (Kill)",
        needs=Needs.SERVER,
        late=True,
        depends_on=("PATH-001", "LEASE-012"),  # a mount whose leases cannot be revoked cannot be disabled
        applies_to=BACKEND_TYPES,
    ),
    # On a server of their own, started in the background with the run: last, so it is ready when they come.
    Requirement(
        "SHUT-007", Level.MUST,
        "Stopping the server (SIGTERM) MUST end the plugin's process by itself within the 2 s grace, before the server exits.",
        f"{BAO} internal/command/server.go (shutdown on SIGTERM: seal, mounts torn down), {GP} client.go (Kill: 2 s grace, then SIGKILL)",
        needs=Needs.SERVER,
        late=True,
        depends_on=("PATH-001",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PATH-023", Level.MUST,
        "What the plugin wrote MUST read back after the server is stopped and started again on its persistent storage, and unsealed.",
        f"{BAO} sdk/logical/storage.go (the plugin's state lives in the server's storage), internal/vault/mount.go (mounts set up again on unseal)",
        needs=Needs.SERVER,
        late=True,
        depends_on=("PATH-015",),
        applies_to=BACKEND_TYPES,
    ),
    # -- database plugins (dbplugin v5): at the wire, then through the database secrets engine --
    Requirement(
        "DB-001", Level.MUST,
        "Type MUST answer with a non-empty name (servers name the plugin's metrics and log lines by it).",
        f"{BAO} sdk/database/dbplugin/v5/database.go (Type: 'the Name for the particular database backend implementation'), sdk/database/dbplugin/v5/plugin_factory.go (metrics and logs by type)",
        depends_on=CONNECT_MUSTS,
        applies_to=DATABASE_TYPE,
    ),
    Requirement(
        "DB-002", Level.MUST,
        "Initialize with the connection and verify_connection true MUST succeed against the reachable database and return the config to save, with every key it was given.",
        f"{BAO} sdk/database/dbplugin/v5/database.go (InitializeResponse.Config: 'REQUIRED in order to save the configuration'), internal/builtin/logical/database/path_config_connection.go",
        depends_on=CONNECT_MUSTS,
        applies_to=DATABASE_TYPE,
    ),
    Requirement(
        "DB-003", Level.MUST,
        "Initialize with verify_connection true MUST fail, within 20 s, when the database cannot be reached.",
        f"{BAO} sdk/database/dbplugin/v5/database.go (VerifyConnection: 'a connection should be made to the database to verify the connection can be made')",
        depends_on=CONNECT_MUSTS,
        applies_to=DATABASE_TYPE,
    ),
    Requirement(
        "DB-004", Level.SHOULD,
        "Initialize with verify_connection false SHOULD succeed without connecting, even when the database cannot be reached.",
        f"{BAO} sdk/database/dbplugin/v5/database.go (VerifyConnection: 'If false, no connection should be made on initialization')",
        depends_on=CONNECT_MUSTS,
        applies_to=DATABASE_TYPE,
    ),
    Requirement(
        "DB-005", Level.MUST,
        "NewUser MUST answer with the non-empty username it created, and that user MUST log in to the database with the password given.",
        f"{BAO} sdk/database/dbplugin/v5/database.go (NewUser, NewUserResponse.Username), internal/builtin/logical/database/path_creds_create.go",
        depends_on=("DB-002",),
        applies_to=DATABASE_TYPE,
    ),
    Requirement(
        "DB-006", Level.MUST,
        "UpdateUser with a new password MUST make the new password log in and the old one stop working.",
        f"{BAO} sdk/database/dbplugin/v5/database.go (UpdateUser, ChangePassword), internal/builtin/logical/database/rotation.go",
        depends_on=("DB-002",),
        applies_to=DATABASE_TYPE,
    ),
    Requirement(
        "DB-007", Level.MUST,
        "UpdateUser with a new expiration (what a lease renewal sends) MUST succeed.",
        f"{BAO} sdk/database/dbplugin/v5/database.go (ChangeExpiration), internal/builtin/logical/database/secret_creds.go (renew: UpdateUser with the new expiration)",
        depends_on=("DB-002",),
        applies_to=DATABASE_TYPE,
    ),
    Requirement(
        "DB-008", Level.MUST,
        "DeleteUser MUST remove the user (it no longer logs in, nor is it listed), and MUST NOT fail for a user that is already gone.",
        f"{BAO} sdk/database/dbplugin/v5/database.go (DeleteUser: 'This should not error if the user didn't exist prior to this call'), internal/builtin/logical/database/secret_creds.go (revoke)",
        depends_on=("DB-002",),
        applies_to=DATABASE_TYPE,
    ),
    Requirement(
        "DB-009", Level.MUST,
        "Close MUST be answered, and after GRPCController/Shutdown the process MUST exit within 2 s.",
        f"{BAO} sdk/database/dbplugin/v5/database.go (Close), {GP} client.go (Kill: Shutdown, 2 s, then SIGKILL)",
        depends_on=CONNECT_MUSTS,
        applies_to=DATABASE_TYPE,
    ),
    Requirement(
        "DB-010", Level.MUST,
        "Registered as a database plugin, the plugin MUST be accepted as a connection's plugin_name with its connection verified, and the server MUST store the connection details it returned.",
        f"{BAO} internal/builtin/logical/database/path_config_connection.go (connectionWriteHandler: Initialize with verify_connection, stores the returned config), internal/vault/plugin_catalog.go",
        needs=Needs.SERVER,
        depends_on=CONNECT_MUSTS,
        applies_to=DATABASE_TYPE,
    ),
    Requirement(
        "DB-011", Level.MUST,
        "Dynamic credentials MUST follow their lease: the issued user logs in, the lease renews, and once revoked (one by one or by prefix) the user no longer logs in and is gone from the database.",
        f"{BAO} internal/builtin/logical/database/path_creds_create.go, internal/builtin/logical/database/secret_creds.go (renew: UpdateUser expiration; revoke: DeleteUser), internal/vault/expiration.go",
        needs=Needs.SERVER,
        depends_on=("DB-010",),
        applies_to=DATABASE_TYPE,
    ),
    Requirement(
        "DB-012", Level.MUST,
        "A static role MUST take over its existing user: creating the role and rotate-role each give a new password that logs in, and the previous one stops working.",
        f"{BAO} internal/builtin/logical/database/path_rotate_credentials.go (rotate-role), internal/builtin/logical/database/rotation.go (setStaticAccount: UpdateUser password)",
        needs=Needs.SERVER,
        depends_on=("DB-010",),
        applies_to=DATABASE_TYPE,
    ),
    Requirement(
        "DB-013", Level.MUST,
        "rotate-root MUST change the connection user's password (the old one stops working) while the server goes on issuing working credentials.",
        f"{BAO} internal/builtin/logical/database/path_rotate_credentials.go (pathRotateRootCredentialsUpdate: UpdateUser on the root user, the new password stored)",
        needs=Needs.SERVER,
        depends_on=("DB-010",),
        applies_to=DATABASE_TYPE,
    ),
    # -- performance: SHOULD at most, each with its threshold in conformance/checks/performance.py --
    Requirement(
        "PERF-001", Level.SHOULD,
        "Started by a server, the plugin SHOULD print its handshake line within 1000 ms (on top of what starting any process takes on the machine at that moment, measured in the same run).",
        f"{GP} client.go (Start: the server waits on the handshake line for every mount, reload and relaunch)",
        depends_on=("HS-003",),
    ),
    Requirement(
        "PERF-002", Level.SHOULD,
        "Under a short concurrent load (40 requests, 4 at a time, through the server; at the wire, 30 round trips) the plugin SHOULD answer with a p99 within 250 ms (through a server: over the server's own median round trip under the same load, measured in the same run).",
        f"{BAO} sdk/plugin/grpc_backend_client.go (HandleRequest: every request to the mount is a gRPC call to the plugin)",
        depends_on=("PATH-007",),
        applies_to=BACKEND_TYPES,
    ),
    Requirement(
        "PERF-003", Level.SHOULD,
        "The plugin SHOULD exit within 1000 ms of being shut down (well inside go-plugin's 2 s grace; on top of what stopping any process takes on the machine at that moment, measured in the same run).",
        f"{GP} client.go (Kill: 2 s grace; every unmount, seal and reload waits on it)",
        depends_on=CONNECT_MUSTS,
    ),
    Requirement(
        "PERF-004", Level.SHOULD,
        "A serving plugin process SHOULD hold no more than 200 MB of resident memory.",
        f"{BAO} internal/vault/plugin_catalog.go (one plugin process per plugin, or per mount when not multiplexed, on the server's host)",
        depends_on=("PATH-007",),
        applies_to=BACKEND_TYPES,
    ),
)

BY_ID: dict[str, Requirement] = {r.id: r for r in REQUIREMENTS}

CheckFunction = Callable[..., "str | None"]
CHECKS_PACKAGE = "conformance.checks"
# Requirement id -> the functions that verify it, in the order registered (the order they run in).
CHECKS: dict[str, list[CheckFunction]] = {}
_loaded = False


# Requirement id -> the manifest sections its checks cannot run without (conformance/manifest_needs.py).
NEEDS: dict[str, tuple[str, ...]] = {}


def check(requirement_id: str, needs: tuple[str, ...] = ()) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under the id of the requirement it verifies: @check("PATH-004").

    A requirement with several check functions registers each under its id; they run in the order registered.
    The function's name is what reports and `vault-conformance requirements` show in the requirement's checks.
    `needs` declares the manifest sections without which the check raises NeedsManifest (what --list predicts).
    """
    if callable(requirement_id):
        raise TypeError(f"@check needs the id of the requirement {requirement_id.__name__} verifies: "
                        f'@check("AREA-NNN")')
    if requirement_id not in BY_ID:
        raise ValueError(f"@check({requirement_id!r}): no such requirement in the catalog")

    def register(function: CheckFunction) -> CheckFunction:
        if any(function.__name__ == other.__name__ for functions in CHECKS.values() for other in functions):
            raise ValueError(f"check {function.__name__} registered twice")
        CHECKS.setdefault(requirement_id, []).append(function)
        NEEDS[requirement_id] = tuple(dict.fromkeys((*NEEDS.get(requirement_id, ()), *needs)))
        return function
    return register


def load_checks() -> dict[str, list[CheckFunction]]:
    """Every check, by requirement id: imports each module of the checks package (found by scanning it)."""
    global _loaded
    if not _loaded:
        package = importlib.import_module(CHECKS_PACKAGE)
        for module in pkgutil.iter_modules(package.__path__, f"{CHECKS_PACKAGE}."):
            importlib.import_module(module.name)
        _loaded = True
    return CHECKS


def needs_of(requirement_id: str) -> tuple[str, ...]:
    """The manifest sections a requirement needs, its own and those of everything it depends on (transitively):
    a requirement whose dependency is left unchecked for want of a section is unchecked for the same reason."""
    load_checks()
    found: dict[str, None] = {}

    def visit(rid: str) -> None:
        for dep in BY_ID[rid].depends_on:
            visit(dep)
        found.update(dict.fromkeys(NEEDS.get(rid, ())))
    visit(requirement_id)
    return tuple(found)


def checks_for(requirement_id: str) -> tuple[CheckFunction, ...]:
    """The check functions of one requirement, in the order they run."""
    return tuple(load_checks().get(requirement_id, ()))


def source_location(function: CheckFunction) -> str:
    """Where a check function is defined, relative to the package root: conformance/checks/<area>.py:LINE (its def)."""
    lines, first = inspect.getsourcelines(function)  # first: the line of its first decorator
    offset = next(i for i, line in enumerate(lines) if re.match(r"\s*(async\s+)?def\s", line))
    return f"{function.__module__.replace('.', '/')}.py:{first + offset}"


def check_location(requirement_id: str) -> str | None:
    """Where the first check of a requirement is defined (see source_location); None if it has none."""
    functions = checks_for(requirement_id)
    return source_location(functions[0]) if functions else None
