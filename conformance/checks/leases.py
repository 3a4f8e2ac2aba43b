"""LEASE: leases issued by the plugin, renewed, revoked and expired.

Through the real server's expiration manager: a secret's lease (well-formed,
renewed within its max TTL, revoked with effect, by prefix, on expiry, on
unmount, after the credential was removed out of band, none left behind) and
an auth method's login token (renewed through the plugin within its max TTL).
At the wire: a revoke replayed twice, and renew and revoke of broken secrets.

Sources: openbao/openbao internal/vault/expiration.go, internal/vault/logical_system.go,
internal/vault/mount.go, sdk/framework/lease.go, sdk/framework/secret.go,
sdk/framework/backend.go, sdk/logical/secret.go, sdk/plugin/pb/translation.go.
"""

from __future__ import annotations

import re
import time
from typing import Any

from conformance.catalog import check
from conformance.observations.leases import expiring_lease, issue, issued_lease, lease_recipe
from conformance.observations.logins import auth_facts, logged_in, login_mount_max_ttl, login_recipe
from conformance.observations.context import CheckContext
from conformance.observations.wire_run import wire_seen
from conformance.outcomes import Blocked, CheckFailed, Evidence, NeedsManifest, NotApplicable, expect
from conformance.runtime.registration import HTTP_METHOD, RegistrationFailed, request_body, response_data, server_words
from conformance.manifest_needs import LEASE, LEASE_VERIFY, LEASE_EXPIRING, LEASE_REMOVE, LOGIN, LOGIN_RENEWABLE

RENEW_INCREMENT_S = 30
CLOCK_SLACK_S = 2  # the server counts whole seconds; a renewal a second later may round either way
EXPIRING_TTL_BOUND_S = 15  # what "a TTL of a few seconds" may be at most
EXPIRY_GRACE_S = 20  # how long after its TTL the server may take to revoke an expired lease
FIELD = re.compile(r"\{(\w+)\}")


def lookup(ctx: CheckContext, lease_id: str):
    return ctx.api("PUT", "sys/leases/lookup", json={"lease_id": lease_id})


def _mount_max_ttl(ctx: CheckContext) -> int:
    return ctx.server.max_lease_ttl(ctx.mount) or 0


def _public(lease: dict[str, Any]) -> dict[str, Any]:
    return {k: lease[k] for k in ("lease_duration", "renewable")}


# -- verify: does the credential still work? ---------------------------------
def _send_for(ctx: CheckContext, lease: dict[str, Any], request):
    """A manifest request about one secret: {field} in its path filled from the secret's data."""
    missing = [f for f in FIELD.findall(request.path) if f not in lease["data"]]
    expect(not missing, f"the secret's data to carry {missing} for {request.path}", f"fields {sorted(lease['data'])}")
    path = FIELD.sub(lambda m: str(lease["data"][m.group(1)]), request.path)
    return path, ctx.api(HTTP_METHOD[request.operation], f"{ctx.mount.path}/{path}",
                         **request_body(request.operation, request.data))


def verified(ctx: CheckContext, lease: dict[str, Any]) -> dict[str, Any]:
    """The manifest's verify request for this lease's secret: its status and data."""
    verify = ctx.lease.verify
    path, response = _send_for(ctx, lease, verify)
    return {"request": f"{verify.operation} {path}", "status": response.status_code, "data": response_data(response)}


def shows(answer: dict[str, Any], want) -> bool:
    if want.status and answer["status"] not in want.status:
        return False
    return all(answer["data"].get(k) == v for k, v in want.data.items())


def _expect_state(ctx: CheckContext, lease: dict[str, Any], state: str, evidence_list: list) -> None:
    answer = verified(ctx, lease)
    evidence_list.append({"state_expected": state, **{k: answer[k] for k in ("request", "status")},
                          "fields": {k: answer["data"].get(k) for k in getattr(ctx.lease.verify, state).data}})
    want = getattr(ctx.lease.verify, state)
    seen = {k: answer["data"].get(k) for k in want.data}
    wanted = (f"status {want.status} " if want.status else "") + str(want.data)
    expect(shows(answer, want), f"{answer['request']} to show the credential {state} ({wanted})",
           f"HTTP {answer['status']}, {seen}")


# -- a secret's lease, through the server ----------------------------------------------------------
# -- checks ------------------------------------------------------------------
@check("LEASE-003", needs=(LEASE,))
def lease_is_well_formed(ctx: CheckContext, evidence: Evidence) -> str:
    lease = issued_lease(ctx)
    if ctx.lease.expiring is not None:
        try:  # started here, judged by LEASE-007 (which meets any failure of it again)
            expiring_lease(ctx)
        except Exception:  # noqa: BLE001
            pass
    mount = ctx.mount
    evidence["issued"] = _public(lease)
    expect(bool(lease["lease_id"]), f"{ctx.lease.path} to answer with a lease (a lease_id)",
           "no lease_id: the secret cannot be renewed or revoked")
    expect(lease["lease_id"].startswith(f"{mount.path}/"), f"a lease id under {mount.path}/", "another prefix")
    max_ttl = _mount_max_ttl(ctx)
    duration = lease["lease_duration"]
    evidence["mount_max_lease_ttl"] = max_ttl
    expect(isinstance(duration, int) and 0 < duration and (not max_ttl or duration <= max_ttl),
           f"a lease_duration within (0, {max_ttl}] s", f"{duration!r}")
    expect(isinstance(lease["renewable"], bool), "a renewable flag (true or false)", f"{lease['renewable']!r}")
    found = lookup(ctx, lease["lease_id"])
    expect(found.status_code == 200, "sys/leases/lookup to know the lease", f"HTTP {found.status_code}: {server_words(found)}")
    data = found.json().get("data") or {}
    evidence["lookup"] = {k: data.get(k) for k in ("ttl", "renewable", "expire_time", "issue_time")}
    expect(data.get("renewable") == lease["renewable"], f"lookup's renewable {lease['renewable']}",
           f"{data.get('renewable')!r}")
    expect(isinstance(data.get("ttl"), int) and 0 < data["ttl"] <= duration, f"lookup's ttl within (0, {duration}]",
           f"{data.get('ttl')!r}")
    return f"lease of {duration} s (mount max {max_ttl} s), renewable {lease['renewable']}; lookup agrees"


@check("LEASE-001", needs=(LEASE,))
def lease_renews(ctx: CheckContext, evidence: Evidence) -> str:
    lease = issued_lease(ctx)
    evidence["issued"] = _public(lease)
    response = ctx.api("PUT", "sys/leases/renew", json={"lease_id": lease["lease_id"], "increment": RENEW_INCREMENT_S})
    words = server_words(response)
    evidence["renew"] = f"PUT sys/leases/renew increment {RENEW_INCREMENT_S} -> {response.status_code}"
    if not lease["renewable"]:
        expect(400 <= response.status_code < 500, "a non-renewable lease's renewal refused with a 4xx and an error",
               f"HTTP {response.status_code}: {words}")
        return f"not renewable, and its renewal was refused: HTTP {response.status_code}: {words[:80]}"
    expect(response.status_code == 200, "HTTP 200 from the renewal", f"HTTP {response.status_code}: {words}")
    renewed = response.json() if response.content else {}
    duration = renewed.get("lease_duration")
    evidence["renewed_lease_duration"] = duration
    expect(renewed.get("lease_id") == lease["lease_id"] and isinstance(duration, int) and duration > 0,
           "the renewed lease with a positive lease_duration",
           f"lease_id {'matching' if renewed.get('lease_id') == lease['lease_id'] else renewed.get('lease_id')!r}, "
           f"lease_duration {duration!r}")
    without = ctx.api("PUT", "sys/leases/renew", json={"lease_id": lease["lease_id"]})
    evidence["renew_without_increment"] = f"PUT sys/leases/renew -> {without.status_code}"
    expect(without.status_code == 200, "HTTP 200 from a renewal without an increment",
           f"HTTP {without.status_code}: {server_words(without)}")
    return f"renewed: lease_duration {duration} s (asked {RENEW_INCREMENT_S} s); renewed again without an increment"


@check("LEASE-004", needs=(LEASE,))
def renewal_never_passes_max_ttl(ctx: CheckContext, evidence: Evidence) -> str:
    lease = issued_lease(ctx)
    if not lease["renewable"]:
        raise NotApplicable("the lease is not renewable")
    max_ttl = ctx.lease.max_ttl or _mount_max_ttl(ctx)
    increment = max_ttl * 10
    response = ctx.api("PUT", "sys/leases/renew", json={"lease_id": lease["lease_id"], "increment": increment})
    expect(response.status_code == 200, "HTTP 200 from the renewal", f"HTTP {response.status_code}: {server_words(response)}")
    duration = (response.json() or {}).get("lease_duration")
    age = time.monotonic() - lease["issued_at"]
    allowed = max_ttl - age + CLOCK_SLACK_S
    evidence.update({"max_ttl": max_ttl, "max_ttl_from": "manifest lease.max_ttl" if ctx.lease.max_ttl else "mount max_lease_ttl",
                     "increment_asked": increment, "lease_duration": duration, "lease_age_s": round(age, 1)})
    expect(isinstance(duration, int) and duration <= allowed,
           f"a renewal capped at the max TTL: at most {allowed:.0f} s left of {max_ttl} s", f"lease_duration {duration!r}")
    return f"asked {increment} s, got {duration} s: within the {max_ttl} s max TTL"


@check("LEASE-002", needs=(LEASE,))
def lease_revokes(ctx: CheckContext, evidence: Evidence) -> str:
    lease = issued_lease(ctx)
    response = ctx.api("PUT", "sys/leases/revoke", json={"lease_id": lease["lease_id"]})
    evidence["revoke"] = f"PUT sys/leases/revoke -> {response.status_code}"
    expect(response.status_code == 204, "HTTP 204 from the revocation", f"HTTP {response.status_code}: {server_words(response)}")
    gone = lookup(ctx, lease["lease_id"])
    evidence["lookup_after_revoke"] = f"PUT sys/leases/lookup -> {gone.status_code}"
    expect(gone.status_code == 400, "the lease to be gone after revocation", f"lookup answered HTTP {gone.status_code}")
    again = ctx.api("PUT", "sys/leases/revoke", json={"lease_id": lease["lease_id"]})
    evidence["revoke_again"] = f"PUT sys/leases/revoke -> {again.status_code}"
    expect(again.status_code == 204, "a second revocation to succeed too", f"HTTP {again.status_code}: {server_words(again)}")
    return "revoked (204), twice; the server no longer knows the lease"


def _verify_recipe(ctx: CheckContext):
    recipe = lease_recipe(ctx)
    if recipe.verify is None:
        raise NeedsManifest("no lease.verify in the manifest: nothing known that shows whether a credential still works",
                            '[lease.verify]')
    return recipe


@check("LEASE-005", needs=(LEASE, LEASE_VERIFY))
def revocation_takes_effect(ctx: CheckContext, evidence: Evidence) -> str:
    recipe = _verify_recipe(ctx)
    lease = issue(ctx, recipe, "a fresh lease")
    states: list = []
    evidence["verify"] = states
    _expect_state(ctx, lease, "active", states)
    response = ctx.api("PUT", "sys/leases/revoke", json={"lease_id": lease["lease_id"]})
    expect(response.status_code == 204, "HTTP 204 from the revocation", f"HTTP {response.status_code}: {server_words(response)}")
    _expect_state(ctx, lease, "revoked", states)
    return f"{states[0]['request']}: active before the revocation, revoked after"


@check("LEASE-006", needs=(LEASE,))
def revoke_prefix_revokes_everything(ctx: CheckContext, evidence: Evidence) -> str:
    recipe = lease_recipe(ctx)
    leases = [issue(ctx, recipe, f"lease {n}") for n in (1, 2)]
    prefix = leases[0]["lease_id"].rsplit("/", 1)[0]
    expect(all(lease["lease_id"].startswith(prefix + "/") for lease in leases), "both leases under one prefix",
           "different prefixes")
    response = ctx.api("PUT", f"sys/leases/revoke-prefix/{prefix}")
    evidence["revoke_prefix"] = f"PUT sys/leases/revoke-prefix/{prefix} -> {response.status_code}"
    expect(response.status_code == 204, "HTTP 204 from revoke-prefix", f"HTTP {response.status_code}: {server_words(response)}")
    left = [lease["lease_id"] for lease in leases if lookup(ctx, lease["lease_id"]).status_code != 400]
    evidence["leases_left"] = len(left)
    expect(not left, "every lease under the prefix gone", f"{len(left)} of {len(leases)} still known to the server")
    return f"revoke-prefix {prefix}: {len(leases)} leases gone"


@check("LEASE-007", needs=(LEASE, LEASE_EXPIRING))
def expired_lease_is_revoked(ctx: CheckContext, evidence: Evidence) -> str:
    recipe = lease_recipe(ctx)
    if recipe.expiring is None:
        raise NeedsManifest("no lease.expiring recipe in the manifest: nothing known that issues a lease of a few seconds",
                            '[lease.expiring]')
    lease = expiring_lease(ctx)
    duration = lease["lease_duration"]
    expect(isinstance(duration, int) and 0 < duration <= EXPIRING_TTL_BOUND_S,
           f"lease.expiring to issue a lease of at most {EXPIRING_TTL_BOUND_S} s", f"lease_duration {duration!r}")
    if time.monotonic() - lease["issued_at"] < duration and lookup(ctx, lease["lease_id"]).status_code == 400:
        # Gone before its TTL ran out: revoked by something else (another check's scenario), not by expiry.
        lease = issue(ctx, recipe.expiring, "the expiring lease (again)")
        evidence["reissued"] = "the first expiring lease was gone before its TTL ran out"
    evidence["issued"] = _public(lease)
    # The grace runs from the expiry, or from when this check (late in the run) starts looking: the late checks
    # before it (seal, reload, catalog faults) can leave the expiration manager retrying a revocation that met
    # the plugin down, and that retry is the server's to make, within the grace, not the plugin's fault.
    looking = time.monotonic()
    deadline = max(lease["issued_at"] + duration, looking) + EXPIRY_GRACE_S
    while lookup(ctx, lease["lease_id"]).status_code != 400:
        if time.monotonic() > deadline:
            raise CheckFailed(f"the server to revoke the lease within {EXPIRY_GRACE_S} s of its expiry (or of this "
                              f"check's start, {round(looking - lease['issued_at'], 1)} s after issue)",
                              "it is still known")
        time.sleep(0.25)
    evidence["gone_after_s"] = round(time.monotonic() - lease["issued_at"], 1)
    if recipe.verify is not None:
        states: list = []
        evidence["verify"] = states
        _expect_state(ctx, lease, "revoked", states)
        return f"expired and revoked by the server after {evidence['gone_after_s']} s; the plugin revoked the credential"
    return f"expired and revoked by the server after {evidence['gone_after_s']} s (no verify step to see the credential)"


@check("LEASE-012")
def no_lease_left_behind(ctx: CheckContext, evidence: Evidence) -> str:
    mount = ctx.mount
    remaining = sorted(ctx.server.leases_under(mount.path))
    by_scenario: dict[str, int] = {}
    failures = []
    for lease_id in remaining:
        scenario = ctx.lease_scenario(lease_id) or "before any watched check"
        by_scenario[scenario] = by_scenario.get(scenario, 0) + 1
        response = ctx.api("PUT", "sys/leases/revoke", json={"lease_id": lease_id})
        if response.status_code != 204:
            failures.append(f"a lease from {scenario}: HTTP {response.status_code}: {server_words(response)[:120]}")
    after = ctx.server.leases_under(mount.path)
    evidence.update({"alive_at_the_end_by_scenario": by_scenario, "revoke_failures": failures[:10],
                     "still_alive_after_revoking": len(after)})
    expect(not failures, "every lease still alive at the end of the run to revoke", "; ".join(failures[:3]))
    expect(not after, "no lease of the mount left after revoking them", f"{len(after)} still known to the server")
    if not remaining:
        return "no lease of the mount was left alive by any scenario"
    return (f"{len(remaining)} lease(s) alive at the end, left by " +
            ", ".join(f"{s} ({n})" for s, n in sorted(by_scenario.items())) + "; all revoked")


@check("LEASE-013", needs=(LEASE, LEASE_REMOVE))
def revoke_after_removal_succeeds(ctx: CheckContext, evidence: Evidence) -> str:
    recipe = lease_recipe(ctx)
    if recipe.remove is None:
        raise NeedsManifest("no lease.remove in the manifest: nothing known that removes a credential out of band",
                            '[lease.remove]')
    lease = issue(ctx, recipe, "a fresh lease")
    path, removed = _send_for(ctx, lease, recipe.remove)
    evidence["removed_out_of_band"] = f"{recipe.remove.operation} {path} -> {removed.status_code}"
    expect(removed.status_code < 300, f"{recipe.remove.operation} {path} to remove the credential",
           f"HTTP {removed.status_code}: {server_words(removed)}")
    response = ctx.api("PUT", "sys/leases/revoke", json={"lease_id": lease["lease_id"]})
    evidence["revoke"] = f"PUT sys/leases/revoke -> {response.status_code}"
    expect(response.status_code == 204, "the revocation of a credential already removed to succeed",
           f"HTTP {response.status_code}: {server_words(response)}")
    expect(lookup(ctx, lease["lease_id"]).status_code == 400, "the lease gone", "still known to the server")
    return f"credential removed out of band ({path}), then its lease revoked: 204"


@check("LEASE-014", needs=(LEASE,))
def unmount_revokes_everything(ctx: CheckContext, evidence: Evidence) -> str:
    recipe = lease_recipe(ctx)
    try:
        mount = ctx.server.another_mount(ctx.mount, "leases")
    except RegistrationFailed as failure:
        expect(False, "a second mount for the unmount scenario", f"{failure.step}: HTTP {failure.status}: {failure.words}")
    for request in ctx.setup:
        ctx.api(HTTP_METHOD[request.operation], f"{mount.path}/{request.path}", json=request.data)
    leases = [issue(ctx, recipe, f"lease {n} on {mount.path}", mount=mount) for n in (1, 2)]
    before = ctx.server.leases_under(mount.path)
    status = ctx.server.disable_mount(mount)
    evidence.update({"mount": mount.path, "leases_before": len(before), "disable": f"DELETE sys/mounts/{mount.path} -> {status}"})
    expect(status == 204, "disabling the mount to revoke its leases and succeed (HTTP 204)", f"HTTP {status}")
    left = [lease for lease in leases if lookup(ctx, lease["lease_id"]).status_code != 400]
    expect(not left, "every lease of the disabled mount gone", f"{len(left)} of {len(leases)} still known")
    return f"{len(before)} lease(s) on {mount.path}/; disabling it revoked them all"


# -- a secret at the wire: revoked twice, and broken secrets -----------------------------------------
def _wire_leases(ctx: CheckContext, evidence: Evidence) -> dict:
    seen = wire_seen(ctx, evidence)
    if ctx.lease is None:
        raise NeedsManifest("no [lease] recipe in the manifest: nothing known that issues a leased secret", '[lease]')
    leases = seen.leases
    if leases is None:
        raise Blocked("the wire host did not get as far as the lease requests")
    evidence["wire_leases"] = leases
    if leases["issued"] != "secret":  # whether a leased secret comes at all is LEASE-003's question
        raise Blocked(f"{ctx.lease.path} over the wire gave no secret to renew or revoke: {leases['issued']}")
    return leases


def _is_transport_failure(answer: str) -> bool:
    # A gRPC status (the SDK refuses undecodable internal data with UNKNOWN) is an answer; a dead stream is not.
    return answer.startswith(("gRPC UNAVAILABLE", "gRPC DEADLINE_EXCEEDED", "gRPC CANCELLED", "StreamTerminatedError",
                              "ConnectionError", "TimeoutError", "not sent", "ConnectionResetError", "OSError"))


@check("LEASE-008", needs=(LEASE,))
def revoke_is_idempotent(ctx: CheckContext, evidence: Evidence) -> str:
    leases = _wire_leases(ctx, evidence)
    first, second = leases["revoke_twice"]
    expect(first == "response", "the first revoke of the secret to succeed (no err)", first)
    expect(second == "response", "a second revoke of the same secret to succeed too (the server replays revokes)", second)
    return "the same secret revoked twice over the wire: both succeeded"


@check("LEASE-009", needs=(LEASE,))
def broken_secrets_are_refused_not_fatal(ctx: CheckContext, evidence: Evidence) -> str:
    leases = _wire_leases(ctx, evidence)
    fatal = {label: answer for label, answer in leases["broken"].items() if _is_transport_failure(answer)}
    expect(not fatal, "every renew and revoke of a broken secret answered (with an error if need be)",
           "; ".join(f"{label}: {answer}" for label, answer in fatal.items()))
    expect(bool(leases["alive_after"]), "the same plugin process afterwards", "the process died or changed")
    return f"{len(leases['broken'])} renew/revoke requests with broken secrets answered; same process"


# -- an auth method's login token ------------------------------------------------------------------
def _renewable_recipe(ctx: CheckContext):
    recipe = login_recipe(ctx)
    if not recipe.renewable:
        raise NeedsManifest("the manifest does not say logins are renewable (login.renewable)",
                            'login.renewable = true (if its logins are renewable; if not, leave LEASE-010/011 out with -k)')
    return recipe


@check("LEASE-010", needs=(LOGIN, LOGIN_RENEWABLE))
def login_token_renews(ctx: CheckContext, evidence: Evidence) -> str:
    _renewable_recipe(ctx)
    with logged_in(ctx) as login:
        return _renews(ctx, login["auth"], evidence)


def _renews(ctx: CheckContext, auth: dict[str, Any], evidence: Evidence) -> str:
    evidence["login"] = auth_facts(auth)
    expect(auth.get("renewable") is True, "a renewable login (login.renewable = true in the manifest)",
           f"renewable {auth.get('renewable')!r}")
    token = auth["client_token"]
    response = ctx.api("PUT", "auth/token/renew-self", token=token, json={"increment": 30})
    words = server_words(response)
    evidence["renew"] = f"PUT auth/token/renew-self increment 30 -> {response.status_code}"
    expect(response.status_code == 200, "the token to renew through the plugin's renew handler (HTTP 200)",
           f"HTTP {response.status_code}: {words}")
    renewed = response.json().get("auth") or {}
    evidence["renewed"] = auth_facts(renewed)
    expect(set(renewed.get("policies") or []) == set(auth.get("policies") or []), "the renewed token to keep its policies",
           f"{renewed.get('policies')} after, {auth.get('policies')} before")
    lookup = ctx.api("GET", "auth/token/lookup-self", token=token)
    expect(lookup.status_code == 200, "the renewed token to work", f"HTTP {lookup.status_code}")
    return f"renewed through the plugin: lease_duration {renewed.get('lease_duration')} s, policies kept"


@check("LEASE-011", needs=(LOGIN, LOGIN_RENEWABLE))
def login_renewal_never_passes_max_ttl(ctx: CheckContext, evidence: Evidence) -> str:
    recipe = _renewable_recipe(ctx)
    with logged_in(ctx) as login:
        return _renews_within_max(ctx, recipe, login["auth"], evidence)


def _renews_within_max(ctx: CheckContext, recipe, auth: dict[str, Any], evidence: Evidence) -> str:
    max_ttl = recipe.max_ttl or login_mount_max_ttl(ctx)
    increment = max_ttl * 10
    response = ctx.api("PUT", "auth/token/renew-self", token=auth.get("client_token"), json={"increment": increment})
    expect(response.status_code == 200, "the token to renew", f"HTTP {response.status_code}: {server_words(response)}")
    duration = (response.json().get("auth") or {}).get("lease_duration")
    evidence.update({"max_ttl": max_ttl, "max_ttl_from": "manifest login.max_ttl" if recipe.max_ttl else "mount max_lease_ttl",
                     "increment_asked": increment, "lease_duration": duration})
    expect(isinstance(duration, int) and duration <= max_ttl, f"a renewal capped at the max TTL of {max_ttl} s",
           f"lease_duration {duration!r}")
    return f"asked {increment} s, got {duration} s: within the {max_ttl} s max TTL"
