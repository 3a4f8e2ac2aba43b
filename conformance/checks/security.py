"""SEC: abuse and refusals: malformed and concurrent requests, storage faults, listeners, unauthenticated writes.

At the wire: concurrent, malformed, oversized and cancelled requests and a
failing or slow storage leave the same process answering; its listeners are on
loopback only. Through a real server: an auth method's configuration paths
refuse a request without a token.

Sources: hashicorp/go-plugin server.go (serverListener: unix socket or 127.0.0.1);
openbao/openbao sdk/plugin/serve.go (MaxRecvMsgSize), sdk/plugin/grpc_storage.go,
internal/vault/request_handling.go, internal/vault/routing/router.go (LoginPath),
sdk/logical/logical.go (Paths.Unauthenticated); hashicorp/vault
website/content/docs/plugins/plugin-development.mdx (concurrent requests).
"""

from __future__ import annotations

from conformance.catalog import check
from conformance.manifest import WRITE_OPERATIONS
from conformance.observations.context import CheckContext
from conformance.observations.wire_run import wire_exercise, wire_seen
from conformance.outcomes import Blocked, Evidence, NeedsManifest, expect
from conformance.runtime.registration import HTTP_METHOD, server_words
from conformance.manifest_needs import EXERCISE, SETUP_OR_EXERCISE_WRITES


@check("SEC-001")
def survives_request_abuse(ctx: CheckContext, evidence: Evidence) -> str:
    seen = wire_seen(ctx, evidence)
    evidence["abuse"] = seen.abuse
    parallel = seen.abuse.get("parallel", {})
    expect(seen.pid_before_abuse is not None, "a live plugin to abuse",
           f"the plugin died before the abuse, during {seen.died_before_cleanup}")
    expect(parallel.get("answered") == parallel.get("sent"), f"all {parallel.get('sent')} parallel requests answered",
           f"{parallel.get('answered')} answered; errors {parallel.get('errors')}")
    expect(bool(seen.alive_after_abuse), "the same plugin process after the abuse",
           f"the process (pid {seen.pid_before_abuse}) died or changed")
    return "answered 16 parallel, malformed, oversized and cancelled requests as the same process"


@check("SEC-002", needs=(EXERCISE,))
def survives_storage_faults(ctx: CheckContext, evidence: Evidence) -> str:
    exercise = wire_exercise(ctx, evidence)
    failing, slow = exercise["failing_storage"], exercise["slow_storage"]
    expect(failing is not None and not failing["answer"].startswith(("StreamTerminatedError", "TIMEOUT", "TimeoutError")),
           "an answer while storage fails", failing["answer"] if failing else "the plugin was gone")
    expect(slow is not None and not slow["answer"].startswith(("StreamTerminatedError", "TIMEOUT", "TimeoutError")),
           "an answer while storage is slow", slow["answer"] if slow else "the plugin was gone")
    expect(bool(exercise["alive_after_faults"]), "the same plugin process after the storage faults",
           "the process died or changed")
    return f"failing storage: {failing['answer']}; slow storage: answered in {slow['elapsed_ms']:.0f} ms"


LOOPBACK = ("127.", "::1")


@check("SEC-004")
def listens_on_loopback_only(ctx: CheckContext, evidence: Evidence) -> str:
    seen = wire_seen(ctx, evidence)
    if seen.listeners is None:
        raise Blocked("the plugin was gone before its listeners could be looked at (SEC-001's failure)")
    wide = [address for address in seen.listeners if not address.startswith(LOOPBACK)]
    evidence["listening_on"] = seen.listeners
    expect(not wide, "TCP listeners on loopback only (127.0.0.0/8 or ::1)", f"listening on {', '.join(wide)}")
    return f"listening on {', '.join(seen.listeners) or 'no TCP address (a unix socket)'}"


@check("SEC-003", needs=(SETUP_OR_EXERCISE_WRITES,))
def configuration_needs_a_token(ctx: CheckContext, evidence: Evidence) -> str:
    mount = ctx.mount
    writes = [r for r in (*ctx.setup, *ctx.exercise) if r.operation in WRITE_OPERATIONS]
    if not writes:
        raise NeedsManifest("no [[setup]] or [[exercise]] writes in the manifest: no configuration path known",
                            '[[setup]] or [[exercise]] writes')
    answers = []
    for request in writes:
        response = ctx.api(HTTP_METHOD[request.operation], f"{mount.path}/{request.path}", token=None,
                           json=request.data)
        answers.append({"request": f"{request.line} without a token", "status": response.status_code,
                        "words": server_words(response) if response.status_code >= 300 else ""})
    evidence["requests"] = answers
    open_doors = [a for a in answers if a["status"] != 403]
    expect(not open_doors, "HTTP 403 for configuration writes without a token (only login-like paths are unauthenticated)",
           f"{open_doors[0]['request']} -> HTTP {open_doors[0]['status']}" if open_doors else "")
    return f"{len(answers)} configuration write(s) without a token: each HTTP 403"
