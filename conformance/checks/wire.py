"""Backend RPCs only the wire shows: Setup, Type, SpecialPaths, unknown operations, abuse, Cleanup, Shutdown."""

from __future__ import annotations

from conformance.catalog import check
from conformance.outcomes import Evidence, Skip, expect
from conformance.observations.session import CertifySession
from conformance.observations.wire_run import wire_exercise, wire_seen
from conformance.wirehost.scenario import QUIET_AFTER_CLEANUP_S, UNKNOWN_OPERATION

DECLARED_TYPE = {"secret": 1, "auth": 2}
SHUTDOWN_BOUND_S = 2.0


@check("PATH-007")
def setup_succeeds(session: CertifySession, evidence: Evidence) -> str:
    seen = wire_seen(session, evidence, mount_facts_only=True)
    expect(seen.setup_error is None, "a SetupReply", seen.setup_error or "")
    expect(seen.setup_err == "", "an empty SetupReply.err", f"err {seen.setup_err!r}")
    return "Setup succeeded with the mount's configuration"


@check("PATH-004")
def type_matches_declared(session: CertifySession, evidence: Evidence) -> str:
    seen = wire_seen(session, evidence, mount_facts_only=True)
    want = DECLARED_TYPE[session.plugin_type]
    evidence["type"] = seen.type
    expect(seen.type == want, f"Type {want} for a {session.plugin_type} plugin", f"Type {seen.type}")
    return f"Type {seen.type}"


def special_path_problem(path: str) -> str | None:
    if not path:
        return "an empty path"
    if path.startswith("/"):
        return f"{path!r} starts with '/'"
    if "*" in path[:-1]:
        return f"{path!r} has '*' before the end"
    if any("+" in segment and segment != "+" for segment in path.rstrip("*").split("/")):
        return f"{path!r} has '+' inside a segment"
    return None


@check("PATH-005")
def special_paths_well_formed(session: CertifySession, evidence: Evidence) -> str:
    seen = wire_seen(session, evidence, mount_facts_only=True)
    evidence["special_paths"] = seen.special_paths
    problems = [f"{kind}: {problem}" for kind, paths in (seen.special_paths or {}).items()
                for path in paths if (problem := special_path_problem(path))]
    expect(not problems, "well-formed special paths", "; ".join(problems))
    return f"{sum(len(p) for p in seen.special_paths.values())} special path(s), all well-formed"


@check("PATH-006")
def unknown_operation_is_unsupported(session: CertifySession, evidence: Evidence) -> str:
    seen = wire_seen(session, evidence)
    answer = seen.unknown_operation or {}
    evidence["operation"] = UNKNOWN_OPERATION
    evidence["answer"] = answer
    expect(bool(answer), "a HandleRequestReply", f"never asked: the plugin died during {seen.died_before_cleanup}")
    expect("error" not in answer, "a HandleRequestReply", answer.get("error", ""))
    expect(answer.get("err_type") in (5, 6), "err_type 5 (unsupported operation) or 6 (unsupported path)",
           f"err_type {answer.get('err_type')} {answer.get('err_msg', '')!r}")
    return f"err_type {answer['err_type']} {answer['err_msg']!r}"


@check("SEC-001")
def survives_request_abuse(session: CertifySession, evidence: Evidence) -> str:
    seen = wire_seen(session, evidence)
    evidence["abuse"] = seen.abuse
    parallel = seen.abuse.get("parallel", {})
    expect(seen.pid_before_abuse is not None, "a live plugin to abuse",
           f"the plugin died before the abuse, during {seen.died_before_cleanup}")
    expect(parallel.get("answered") == parallel.get("sent"), f"all {parallel.get('sent')} parallel requests answered",
           f"{parallel.get('answered')} answered; errors {parallel.get('errors')}")
    expect(bool(seen.alive_after_abuse), "the same plugin process after the abuse",
           f"the process (pid {seen.pid_before_abuse}) died or changed")
    return "answered 16 parallel, malformed, oversized and cancelled requests as the same process"


LOOPBACK = ("127.", "::1")


@check("SEC-004")
def listens_on_loopback_only(session: CertifySession, evidence: Evidence) -> str:
    seen = wire_seen(session, evidence)
    if seen.listeners is None:
        raise Skip("the plugin was gone before its listeners could be looked at (SEC-001's failure)")
    wide = [address for address in seen.listeners if not address.startswith(LOOPBACK)]
    evidence["listening_on"] = seen.listeners
    expect(not wide, "TCP listeners on loopback only (127.0.0.0/8 or ::1)", f"listening on {', '.join(wide)}")
    return f"listening on {', '.join(seen.listeners) or 'no TCP address (a unix socket)'}"


@check("SHUT-001")
def serves_after_cleanup(session: CertifySession, evidence: Evidence) -> str:
    seen = wire_seen(session, evidence)
    if seen.died_before_cleanup:
        raise Skip(f"the plugin process died during the {seen.died_before_cleanup}, before Cleanup")
    evidence["cleanup_error"] = seen.cleanup_error
    evidence["after_cleanup"] = seen.serving_after_cleanup
    expect(seen.cleanup_error is None, "an answer to Cleanup", seen.cleanup_error or "")
    expect(bool(seen.serving_after_cleanup) and seen.serving_after_cleanup.startswith("health"),
           "the plugin still serving after Cleanup", seen.serving_after_cleanup or "nothing")
    return f"Cleanup answered; still serving ({seen.serving_after_cleanup})"


@check("SHUT-009")
def quiet_after_cleanup(session: CertifySession, evidence: Evidence) -> str:
    seen = wire_seen(session, evidence)
    if seen.died_before_cleanup:
        raise Skip(f"the plugin process died during the {seen.died_before_cleanup}, before Cleanup")
    if seen.storage_after_cleanup is None:
        raise Skip(f"Cleanup was not answered ({seen.cleanup_error}): SHUT-001's failure")
    calls, lines = seen.storage_after_cleanup, seen.log_after_cleanup or []
    window = f"{QUIET_AFTER_CLEANUP_S * 1000:.0f} ms"
    evidence.update({"storage_calls_after_cleanup": calls[:10], "log_lines_after_cleanup": lines[:5], "watched_ms": window})
    # The SDK closes the mount's storage connection on Cleanup: work left running then fails, and usually says so.
    expect(not calls, f"no storage call in the {window} after Cleanup answered", f"{len(calls)} call(s), e.g. {calls[0]}" if calls else "")
    expect(not lines, f"no activity in the {window} after Cleanup answered (background work stopped)",
           f"{len(lines)} log line(s), e.g. {lines[0][:200]}" if lines else "")
    return f"no storage call and no log line in the {window} after Cleanup"


@check("SHUT-002")
def exits_after_shutdown(session: CertifySession, evidence: Evidence) -> str:
    seen = wire_seen(session, evidence)
    result = seen.shutdown
    if result is None:
        raise Skip("the plugin was gone before Shutdown")
    evidence["shutdown"] = {"exit_code": result.exit_code, "seconds_to_exit": result.seconds_to_exit,
                            "killed": result.killed}
    expect(not result.killed, f"the process to exit within {SHUTDOWN_BOUND_S:.0f} s of Shutdown",
           "still running: SIGKILLed")
    return f"exited {result.seconds_to_exit * 1000:.0f} ms after Shutdown"


@check("SHUT-011")
def nothing_outlives_the_plugin(session: CertifySession, evidence: Evidence) -> str:
    result = wire_seen(session, evidence).shutdown
    evidence["left_running"] = result.survivors
    expect(not result.survivors, "no process the plugin started still running once it exited after Shutdown",
           "; ".join(result.survivors[:3]))
    return "nothing the plugin started outlived it"


@check("SHUT-003")
def exits_zero_after_shutdown(session: CertifySession, evidence: Evidence) -> str:
    result = wire_seen(session, evidence).shutdown
    evidence["exit_code"] = result.exit_code
    expect(result.exit_code == 0, "exit status 0", f"exit status {result.exit_code}")
    return "exit status 0"


@check("PATH-008")
def state_round_trips_through_storage(session: CertifySession, evidence: Evidence) -> str:
    exercise = wire_exercise(session, evidence)
    writes = [c for r in exercise["requests"] for c in r["storage_calls"] if c.startswith(("Put", "Delete"))]
    read_back = exercise["requests"][exercise["read_back_index"]]
    # Reads of what was written: a plugin's own background work (a tidy listing) is no read-back.
    written = {c.split(" ", 1)[1] for c in writes}
    reads = [c for c in read_back["storage_calls"]
             if (c.startswith("Get ") and c[4:] in written) or (c.startswith("List ") and any(k.startswith(c[5:]) for k in written))]
    expect(bool(writes), "writes to reach the host's storage through the broker", "no Put or Delete arrived")
    expect(read_back["answer"] == "response", f"an answer to {read_back['request']!r}", read_back["answer"])
    expect(bool(reads), f"{read_back['request']!r} to read what was written from the host's storage",
           f"no Get or List of {sorted(written)} arrived")
    return f"{len(writes)} write(s) and {len(reads)} read(s) through the broker"


@check("SEC-002")
def survives_storage_faults(session: CertifySession, evidence: Evidence) -> str:
    exercise = wire_exercise(session, evidence)
    failing, slow = exercise["failing_storage"], exercise["slow_storage"]
    expect(failing is not None and not failing["answer"].startswith(("StreamTerminatedError", "TIMEOUT", "TimeoutError")),
           "an answer while storage fails", failing["answer"] if failing else "the plugin was gone")
    expect(slow is not None and not slow["answer"].startswith(("StreamTerminatedError", "TIMEOUT", "TimeoutError")),
           "an answer while storage is slow", slow["answer"] if slow else "the plugin was gone")
    expect(bool(exercise["alive_after_faults"]), "the same plugin process after the storage faults",
           "the process died or changed")
    return f"failing storage: {failing['answer']}; slow storage: answered in {slow['elapsed_ms']:.0f} ms"


@check("MUX-001")
def mounts_are_isolated(session: CertifySession, evidence: Evidence) -> str:
    seen = wire_seen(session, evidence)
    if not seen.multiplexing:
        raise Skip("the plugin does not report multiplexing support: one mount per process")
    exercise = wire_exercise(session, evidence)
    second = seen.second_mount
    expect(second is not None, "a second mount on the same process", "it could not be made")
    evidence["second_mount"] = second
    expect(not second.get("setup_err"), "Setup of a second mount to succeed", f"err {second.get('setup_err')!r}")
    first_read = exercise["requests"][exercise["read_back_index"]]
    leaked = second["data"] == first_read["data"] and first_read["data"] not in (None, "", "null", "{}")
    expect(not leaked, f"{second['request']!r} on the second mount not to return the first mount's data",
           f"the same data: {second['data'][:120]}" if leaked else "")
    return f"the second mount answered {second['answer']!r} without the first mount's data"


@check("PATH-011")
def existence_check_matches_storage(session: CertifySession, evidence: Evidence) -> str:
    exercise = wire_exercise(session, evidence)
    seen_paths: set[str] = set()
    checked = []
    for request in exercise["requests"]:
        existence, path = request.get("existence"), request["request"].split(" ", 1)[1]
        first = path not in seen_paths
        seen_paths.add(path)
        if not existence or not existence["check_found"]:
            continue
        checked.append({"request": request["request"], **existence})
        if first:  # the scenario starts on empty storage: nothing exists before its first write
            expect(existence["exists_before"] is False, f"ExistenceCheck of {path} before its first write: exists false",
                   "exists true (the server would route the create as an update)")
        if "exists_after" in existence:
            expect(existence["exists_after"] is True, f"ExistenceCheck of {path} after a successful write: exists true",
                   f"{existence['exists_after']!r} (the server would route the next update as a create)")
    evidence["existence_checks"] = checked
    if not checked:
        raise Skip("no exercised write path has an existence check")
    return f"{len(checked)} write(s): the existence check said absent before and present after"


def _wire_leases(session: CertifySession, evidence: Evidence) -> dict:
    seen = wire_seen(session, evidence)
    if session.lease is None:
        raise Skip("no [lease] recipe in the manifest: nothing known that issues a leased secret")
    leases = seen.leases
    if leases is None:
        raise Skip("the wire host did not get as far as the lease requests")
    evidence["wire_leases"] = leases
    if leases["issued"] != "secret":  # whether a leased secret comes at all is LEASE-003's question
        raise Skip(f"{session.lease.path} over the wire gave no secret to renew or revoke: {leases['issued']}")
    return leases


def _is_transport_failure(answer: str) -> bool:
    # A gRPC status (the SDK refuses undecodable internal data with UNKNOWN) is an answer; a dead stream is not.
    return answer.startswith(("gRPC UNAVAILABLE", "gRPC DEADLINE_EXCEEDED", "gRPC CANCELLED", "StreamTerminatedError",
                              "ConnectionError", "TimeoutError", "not sent", "ConnectionResetError", "OSError"))


@check("LEASE-008")
def revoke_is_idempotent(session: CertifySession, evidence: Evidence) -> str:
    leases = _wire_leases(session, evidence)
    first, second = leases["revoke_twice"]
    expect(first == "response", "the first revoke of the secret to succeed (no err)", first)
    expect(second == "response", "a second revoke of the same secret to succeed too (the server replays revokes)", second)
    return "the same secret revoked twice over the wire: both succeeded"


@check("LEASE-009")
def broken_secrets_are_refused_not_fatal(session: CertifySession, evidence: Evidence) -> str:
    leases = _wire_leases(session, evidence)
    fatal = {label: answer for label, answer in leases["broken"].items() if _is_transport_failure(answer)}
    expect(not fatal, "every renew and revoke of a broken secret answered (with an error if need be)",
           "; ".join(f"{label}: {answer}" for label, answer in fatal.items()))
    expect(bool(leases["alive_after"]), "the same plugin process afterwards", "the process died or changed")
    return f"{len(leases['broken'])} renew/revoke requests with broken secrets answered; same process"
