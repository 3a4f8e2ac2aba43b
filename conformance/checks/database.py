"""DB: database plugins (dbplugin v5), at the wire and through a server's database secrets engine.

At the wire the suite plays the engine's calls itself (wirehost/database_scenario.py):
Type, Initialize with and without verification, NewUser, UpdateUser (password
and expiration), DeleteUser, Close and Shutdown. Through the server it
configures a connection, issues dynamic credentials (leases), rotates a static
role and the root credential. Wherever the manifest says how to look at the
database ([database] login / user_exists), the effect is checked there: a
credential must really log in, a revoked user must really be gone.

Sources: openbao/openbao sdk/database/dbplugin/v5/database.go (the interface
and its contract), sdk/database/dbplugin/v5/plugin_factory.go,
internal/builtin/logical/database (path_config_connection.go,
path_creds_create.go, secret_creds.go, rotation.go, path_rotate_credentials.go),
internal/vault/expiration.go; hashicorp/go-plugin client.go (Kill).
"""

from __future__ import annotations

from typing import Any

from conformance.catalog import check
from conformance.observations.database_probe import DatabaseProbe
from conformance.outcomes import Blocked, Evidence, NeedsManifest, NotSelected, expect
from conformance.runtime.registration import RegistrationFailed, response_data, server_words
from conformance.observations.context import CheckContext
from conformance.wirehost.database_scenario import INITIALIZE_BOUND_S, ROLE_NAME
from conformance.manifest_needs import DATABASE, DATABASE_LOGIN, DATABASE_STATIC, DATABASE_CREDENTIALS

SECRET_CONNECTION_KEYS = ("password",)  # the engine never shows these back in connection_details
LEASE_TTL_S, LEASE_MAX_TTL_S, RENEW_INCREMENT_S = 3600, 7200, 1800


def _seen(ctx: CheckContext, evidence: Evidence):
    seen = ctx.database_wire_run
    evidence["wire_transcript"] = seen.transcript
    if seen.start_error:
        raise Blocked(f"the wire host could not connect: {seen.start_error}")
    return seen


def _step(ctx: CheckContext, evidence: Evidence, name: str, why_missing: str = ""):
    seen = _seen(ctx, evidence)
    step = seen.steps.get(name)
    if step is None:
        if "initialize" in seen.steps and not seen.steps["initialize"].ok:
            _table(ctx)  # no [database] at all: that is what would let it run (needs-manifest)
            raise Blocked(f"Initialize with the manifest's connection failed ({seen.steps['initialize'].error}): DB-002's")
        raise Blocked(why_missing or f"the wire run did not get to {name}")
    evidence[name] = step.as_evidence()
    return step


def _table(ctx: CheckContext):
    if ctx.database is None:
        raise NeedsManifest("no [database] table in the manifest: the suite does not know how to reach the database",
                            '[database]')
    return ctx.database


def _needs_login_probe(ctx: CheckContext) -> None:
    if _table(ctx).login is None:
        raise NeedsManifest("no [database] login command in the manifest: the suite cannot tell whether a credential logs in",
                            '[database.login]')


# -- at the wire ---------------------------------------------------------------
@check("DB-001")
def database_type_is_named(ctx: CheckContext, evidence: Evidence) -> str:
    step = _step(ctx, evidence, "type")
    expect(step.ok, "an answer to Type", step.error or "")
    name = step.facts.get("type", "")
    expect(bool(name.strip()), "a non-empty type name (servers name the plugin's metrics and log lines by it)",
           f"{name!r}")
    return f"Type {name!r}"


@check("DB-002", needs=(DATABASE,))
def initialize_returns_the_config(ctx: CheckContext, evidence: Evidence) -> str:
    _table(ctx)
    step = _step(ctx, evidence, "initialize")
    expect(step.ok, "Initialize with the manifest's connection (verify_connection true) to succeed", step.error or "")
    expect(not step.facts.get("missing_keys"), "the config to save back, with every key given",
           f"keys missing from InitializeResponse.config: {step.facts.get('missing_keys')}")
    return f"initialized and verified in {step.ms:.0f} ms; returned keys {step.facts.get('returned_keys')}"


@check("DB-003", needs=(DATABASE,))
def verification_refuses_unreachable_database(ctx: CheckContext, evidence: Evidence) -> str:
    step = _step(ctx, evidence, "initialize_unreachable",
                 "no [database] unreachable overrides in the manifest: nothing known that points the connection at nothing")
    expect(not step.ok, f"Initialize with verify_connection true to fail for an unreachable database "
           f"({sorted(_table(ctx).unreachable)} overridden)", f"it succeeded in {step.ms:.0f} ms")
    expect("TIMEOUT" not in (step.error or "") and step.ms < INITIALIZE_BOUND_S * 1000,
           f"a refusal within {INITIALIZE_BOUND_S:.0f} s", step.error or "")
    return f"refused in {step.ms:.0f} ms: {step.error}"


@check("DB-004", needs=(DATABASE,))
def no_connection_without_verification(ctx: CheckContext, evidence: Evidence) -> str:
    step = _step(ctx, evidence, "initialize_lazy",
                 "no [database] unreachable overrides in the manifest: nothing known that points the connection at nothing")
    expect(step.ok, "Initialize with verify_connection false to succeed without connecting, even to an unreachable "
           "database", step.error or "")
    return f"initialized without connecting in {step.ms:.0f} ms"


@check("DB-005", needs=(DATABASE, DATABASE_LOGIN))
def new_user_logs_in(ctx: CheckContext, evidence: Evidence) -> str:
    step = _step(ctx, evidence, "new_user")
    expect(step.ok, "an answer to NewUser", step.error or "")
    username = step.facts.get("username", "")
    expect(bool(username), "NewUser to answer with the username it created", "an empty username")
    _needs_login_probe(ctx)
    expect(step.facts.get("logs_in") is True, f"the new user {username} to log in with the password given",
           f"it did not: {step.facts.get('logs_in_seen')}")
    return f"created {username}; it logs in"


@check("DB-006", needs=(DATABASE, DATABASE_LOGIN))
def password_change_takes_effect(ctx: CheckContext, evidence: Evidence) -> str:
    step = _step(ctx, evidence, "update_password", "NewUser gave no user to change: DB-005's failure")
    expect(step.ok, "an answer to UpdateUser with a new password", step.error or "")
    _needs_login_probe(ctx)
    expect(step.facts.get("new_password_logs_in") is True, "the new password to log in",
           f"it did not: {step.facts.get('new_password_logs_in_seen')}")
    expect(step.facts.get("old_password_logs_in") is False, "the old password to stop working",
           f"it still logs in: {step.facts.get('old_password_logs_in_seen')}")
    return "new password logs in, old one refused"


@check("DB-007", needs=(DATABASE,))
def expiration_change_is_answered(ctx: CheckContext, evidence: Evidence) -> str:
    step = _step(ctx, evidence, "update_expiration", "NewUser gave no user to change: DB-005's failure")
    expect(step.ok, "UpdateUser with a new expiration (what a lease renewal sends) to succeed", step.error or "")
    return f"answered in {step.ms:.0f} ms"


@check("DB-008", needs=(DATABASE, DATABASE_LOGIN))
def deleted_user_is_gone(ctx: CheckContext, evidence: Evidence) -> str:
    step = _step(ctx, evidence, "delete_user", "NewUser gave no user to delete: DB-005's failure")
    again = _step(ctx, evidence, "delete_user_again")
    expect(step.ok, "an answer to DeleteUser", step.error or "")
    _needs_login_probe(ctx)
    expect(step.facts.get("logs_in_after") is False, "the deleted user not to log in",
           f"it still logs in: {step.facts.get('logs_in_after_seen')}")
    if "exists_after" in step.facts:
        expect(step.facts["exists_after"] is False, "the deleted user to be gone from the database",
               f"still listed: {step.facts.get('exists_after_seen')}")
    expect(again.ok, "DeleteUser of a user already gone to succeed (revocations are retried)", again.error or "")
    return "deleted: no login, " + ("not listed, " if "exists_after" in step.facts else "") + "a second DeleteUser succeeds"


@check("DB-009")
def close_then_shutdown_exits(ctx: CheckContext, evidence: Evidence) -> str:
    seen = _seen(ctx, evidence)
    close = seen.steps.get("close")
    if close is not None:
        evidence["close"] = close.as_evidence()
        expect(close.ok, "an answer to Close", close.error or "")
    result = seen.shutdown
    expect(result is not None, "the plugin alive until Shutdown", "it had exited before")
    evidence.update({"replied": result.replied, "exit_code": result.exit_code, "killed": result.killed})
    expect(not result.killed, "the process to exit within 2 s of GRPCController/Shutdown (the host SIGKILLs it then)",
           "still running after 2 s: killed")
    return f"Close answered; exited {result.seconds_to_exit * 1000:.0f} ms after Shutdown (status {result.exit_code})"


# -- through the server ------------------------------------------------------------
def _connection(ctx: CheckContext, evidence: Evidence):
    _table(ctx)
    try:
        mount = ctx.mount
    except RegistrationFailed as failure:
        expect(False, "the plugin registered and configured as a verified connection",
               f"{failure.step}: HTTP {failure.status}: {failure.words}")
    return mount


def _probe(ctx: CheckContext) -> DatabaseProbe:
    return DatabaseProbe(_table(ctx))


def _creds(ctx: CheckContext, mount, role: str, facts: list) -> tuple[dict, dict]:
    response = ctx.api("GET", f"{mount.path}/creds/{role}")
    body = response.json() if response.content else {}
    data = body.get("data") or {}
    if data.get("password"):
        ctx.add_secret(data["password"])
    facts.append(f"GET creds/{role} -> {response.status_code} {data.get('username', '')}")
    seen = (f"HTTP 200 with username {data.get('username', '')!r} and lease_id {body.get('lease_id', '')!r}"
            if response.status_code == 200 else f"HTTP {response.status_code}: {server_words(response)}")
    expect(response.status_code == 200 and data.get("username") and body.get("lease_id"),
           f"credentials with a lease from {mount.path}/creds/{role}", seen)
    return body, data


def _role(ctx: CheckContext, mount, role: str) -> None:
    table = _table(ctx)
    body: dict[str, Any] = {"db_name": mount.name, "default_ttl": LEASE_TTL_S, "max_ttl": LEASE_MAX_TTL_S}
    if table.creation_statements:
        body["creation_statements"] = list(table.creation_statements)
    response = ctx.api("PUT", f"{mount.path}/roles/{role}", json=body)
    expect(response.status_code in (200, 204), f"the role {role} to be written", f"HTTP {response.status_code}: {server_words(response)}")


@check("DB-010", needs=(DATABASE,))
def connection_is_configured(ctx: CheckContext, evidence: Evidence) -> str:
    mount = _connection(ctx, evidence)
    response = ctx.api("GET", f"{mount.path}/config/{mount.name}")
    data = response_data(response)
    details = data.get("connection_details") or {}
    wanted = sorted(k for k in _table(ctx).connection if k not in SECRET_CONNECTION_KEYS)
    evidence.update({"config": f"{mount.path}/config/{mount.name}", "plugin_name": data.get("plugin_name"),
                     "plugin_version": data.get("plugin_version"), "connection_details_keys": sorted(details)})
    expect(response.status_code == 200 and data.get("plugin_name") == mount.name,
           f"the connection to run plugin {mount.name}", f"HTTP {response.status_code}: {data.get('plugin_name')!r}")
    missing = [k for k in wanted if k not in details]
    expect(not missing, "the server to have stored the connection details the plugin returned",
           f"connection_details lacks {missing}")
    return f"connection {mount.name} verified and stored (plugin_version {data.get('plugin_version')!r})"


@check("DB-011", needs=(DATABASE, DATABASE_LOGIN))
def dynamic_credentials_follow_their_lease(ctx: CheckContext, evidence: Evidence) -> str:
    mount = _connection(ctx, evidence)
    _needs_login_probe(ctx)
    probe, facts = _probe(ctx), []
    evidence["steps"] = facts
    role = f"{ROLE_NAME}-dynamic"
    _role(ctx, mount, role)
    body, data = _creds(ctx, mount, role, facts)
    username, lease = data["username"], body["lease_id"]
    evidence.update({"username": username, "lease_duration": body.get("lease_duration"), "renewable": body.get("renewable")})
    login = probe.logs_in(username, data.get("password", ""))
    facts.append(f"login as {username}: {login.yes} ({login.seen})")
    expect(login.yes is True, f"the issued credential {username} to log in", login.seen)
    renew = ctx.api("PUT", "sys/leases/renew", json={"lease_id": lease, "increment": RENEW_INCREMENT_S})
    renewed = renew.json() if renew.content else {}
    facts.append(f"renew +{RENEW_INCREMENT_S}s -> {renew.status_code} lease_duration {renewed.get('lease_duration')}")
    expect(renew.status_code == 200 and 0 < (renewed.get("lease_duration") or 0) <= RENEW_INCREMENT_S,
           f"the lease renewed for at most {RENEW_INCREMENT_S} s", f"HTTP {renew.status_code}: {server_words(renew)}")
    revoke = ctx.api("PUT", "sys/leases/revoke", json={"lease_id": lease})
    facts.append(f"revoke -> {revoke.status_code}")
    expect(revoke.status_code == 204, "the lease to revoke", f"HTTP {revoke.status_code}: {server_words(revoke)}")
    after = probe.logs_in(username, data.get("password", ""))
    listed = probe.exists(username)
    facts.append(f"after revoke: login {after.yes} ({after.seen}); listed {listed.yes}")
    evidence["revoked_user_login"] = after.seen
    expect(after.yes is False, f"the revoked user {username} not to log in", f"it still does: {after.seen}")
    expect(listed.yes is not True, f"the revoked user {username} to be gone", f"still listed: {listed.seen}")
    names = [_creds(ctx, mount, role, facts)[1]["username"] for _ in range(2)]
    prefix = ctx.api("PUT", f"sys/leases/revoke-prefix/{mount.path}/creds/{role}")
    facts.append(f"revoke-prefix {mount.path}/creds/{role} -> {prefix.status_code}")
    expect(prefix.status_code == 204, "revoke-prefix of the role's leases", f"HTTP {prefix.status_code}: {server_words(prefix)}")
    left = [n for n in names if probe.exists(n).yes is True]
    expect(not left, "every user of the revoked prefix gone from the database", f"still there: {left}")
    return (f"{username} logged in; renewed; revoked -> no login ({after.seen}), not listed; "
            f"revoke-prefix removed {len(names)} more")


@check("DB-012", needs=(DATABASE, DATABASE_LOGIN, DATABASE_STATIC))
def static_role_rotation_takes_effect(ctx: CheckContext, evidence: Evidence) -> str:
    mount = _connection(ctx, evidence)
    _needs_login_probe(ctx)
    static = _table(ctx).static
    if static is None:
        raise NeedsManifest("no [database.static] user in the manifest: nothing known to rotate", '[database.static]')
    probe, facts = _probe(ctx), []
    evidence["steps"] = facts
    role = f"{ROLE_NAME}-static"
    made = ctx.api("PUT", f"{mount.path}/static-roles/{role}",
                   json={"db_name": mount.name, "username": static.username, "rotation_period": LEASE_TTL_S})
    facts.append(f"static-roles/{role} for {static.username} -> {made.status_code}")
    expect(made.status_code in (200, 204), f"the static role for {static.username}", f"HTTP {made.status_code}: {server_words(made)}")
    try:
        initial = probe.logs_in(static.username, str(static.password))
        facts.append(f"the password before the role: logs in {initial.yes}")
        expect(initial.yes is False, "the user's password from before the role to stop working (the role rotates it)",
               f"it still logs in: {initial.seen}")
        passwords = []
        for label in ("after creating the role", "after rotate-role"):
            if passwords:
                rotate = ctx.api("PUT", f"{mount.path}/rotate-role/{role}")
                facts.append(f"rotate-role -> {rotate.status_code}")
                expect(rotate.status_code in (200, 204), "rotate-role to succeed", f"HTTP {rotate.status_code}: {server_words(rotate)}")
            creds = response_data(ctx.api("GET", f"{mount.path}/static-creds/{role}"))
            password = creds.get("password", "")
            ctx.add_secret(password)
            passwords.append(password)
            login = probe.logs_in(static.username, password)
            facts.append(f"static-creds {label}: logs in {login.yes}")
            expect(login.yes is True, f"the static-creds password {label} to log in", login.seen)
        old = probe.logs_in(static.username, passwords[0])
        facts.append(f"the password before rotate-role: logs in {old.yes}")
        expect(passwords[0] != passwords[1] and old.yes is False, "the previous password to stop working after rotate-role",
               f"it still logs in: {old.seen}")
    finally:
        ctx.api("DELETE", f"{mount.path}/static-roles/{role}")
    return f"{static.username}: rotated on creation and by rotate-role; each new password logs in, the old ones do not"


@check("DB-013", needs=(DATABASE, DATABASE_LOGIN, DATABASE_CREDENTIALS))
def root_rotation_takes_effect(ctx: CheckContext, evidence: Evidence) -> str:
    mount = _connection(ctx, evidence)
    _needs_login_probe(ctx)
    table = _table(ctx)
    if not table.rotate_root:
        raise NotSelected("rotate_root = false in the manifest (rotate-root changes the connection user's password)",
                          how='rotate_root = true in [database] (on a disposable database only)')
    user, password = table.connection.get("username"), table.connection.get("password")
    if not user or not password:
        raise NeedsManifest("the manifest's connection has no username and password to rotate",
                            'a username and password in [database] connection')
    probe, facts = _probe(ctx), []
    evidence["steps"] = facts
    rotate = ctx.api("PUT", f"{mount.path}/rotate-root/{mount.name}")
    facts.append(f"rotate-root/{mount.name} -> {rotate.status_code}")
    expect(rotate.status_code in (200, 204), "rotate-root to succeed", f"HTTP {rotate.status_code}: {server_words(rotate)}")
    old = probe.logs_in(str(user), str(password))
    facts.append(f"{user} with the old password: logs in {old.yes} ({old.seen})")
    expect(old.yes is False, f"the old password of {user} to stop working", f"it still logs in: {old.seen}")
    role = f"{ROLE_NAME}-after-root"
    _role(ctx, mount, role)
    body, data = _creds(ctx, mount, role, facts)
    login = probe.logs_in(data["username"], data.get("password", ""))
    facts.append(f"new credential {data['username']}: logs in {login.yes}")
    ctx.api("PUT", "sys/leases/revoke", json={"lease_id": body["lease_id"]})
    expect(login.yes is True, "credentials issued with the rotated root password to log in", login.seen)
    return f"rotated {user}: the old password refused, the server still issues working credentials"
