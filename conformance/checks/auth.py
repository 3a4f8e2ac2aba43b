"""Auth methods (PATH-019..022, SEC-003): through the server: login, the token it yields, and which paths need a token."""

from __future__ import annotations

from typing import Any

from conformance.catalog import check
from conformance.observations.discovery import PROBE_NAME
from conformance.manifest import WRITE_OPERATIONS
from conformance.outcomes import Evidence, Skip, expect
from conformance.runtime.registration import HTTP_METHOD, server_words
from conformance.observations.logins import auth_facts, logged_in, login_mount_max_ttl, login_recipe
from conformance.observations.openapi import openapi_discovery
from conformance.observations.session import CertifySession

CAPPED_WORDS = ("capped", "exceeded the effective max_ttl")


def _renewable_recipe(session: CertifySession):
    recipe = login_recipe(session)
    if not recipe.renewable:
        raise Skip("the manifest does not say logins are renewable (login.renewable)")
    return recipe


@check("PATH-019")
def login_yields_a_working_token(session: CertifySession, evidence: Evidence) -> str:
    recipe = session.login
    with logged_in(session) as login:
        pass
    evidence["auth"] = auth_facts(login["auth"])
    expect(login["lookup_status"] == 200, "the issued token to work (auth/token/lookup-self answers 200)",
           f"HTTP {login['lookup_status']}: {login['lookup_words']}")
    policies = set(login["token_data"].get("policies") or [])
    evidence["token_policies"] = sorted(policies)
    expect(bool(policies - {"default"}) or not recipe.policies, "a token with the login's policies",
           f"policies {sorted(policies)}")
    missing = sorted(set(recipe.policies) - policies)
    expect(not missing, f"the token to carry the policies {recipe.policies} the manifest names",
           f"policies {sorted(policies)}, missing {missing}")
    return f"logged in without a token: token works, policies {sorted(policies)}"


@check("PATH-020")
def login_ttl_within_mount_limits(session: CertifySession, evidence: Evidence) -> str:
    with logged_in(session) as login:
        auth = login["auth"]
    max_ttl = login_mount_max_ttl(session)
    duration, token_ttl = auth.get("lease_duration"), login["token_data"].get("ttl")
    evidence.update({"lease_duration": duration, "token_ttl": token_ttl, "mount_max_lease_ttl": max_ttl,
                     "warnings": login["warnings"]})
    expect(isinstance(duration, int) and duration > 0, "a positive lease_duration", f"{duration!r}")
    expect(not max_ttl or duration <= max_ttl, f"lease_duration within the mount's max_lease_ttl {max_ttl}",
           f"{duration}")
    capped = [w for w in login["warnings"] if any(word in w for word in CAPPED_WORDS)]
    expect(not capped, "a login that asks for no more than the mount allows (no capping warning)", "; ".join(capped))
    return f"lease_duration {duration} s within the mount's max {max_ttl} s, nothing capped"


@check("SEC-003")
def configuration_needs_a_token(session: CertifySession, evidence: Evidence) -> str:
    mount = session.mount
    writes = [r for r in (*session.setup, *session.exercise) if r.operation in WRITE_OPERATIONS]
    if not writes:
        raise Skip("no [[setup]] or [[exercise]] writes in the manifest: no configuration path known")
    answers = []
    for request in writes:
        response = session.api(HTTP_METHOD[request.operation], f"{mount.path}/{request.path}", token=None,
                               json=request.data)
        answers.append({"request": f"{request.line} without a token", "status": response.status_code,
                        "words": server_words(response) if response.status_code >= 300 else ""})
    evidence["requests"] = answers
    open_doors = [a for a in answers if a["status"] != 403]
    expect(not open_doors, "HTTP 403 for configuration writes without a token (only login-like paths are unauthenticated)",
           f"{open_doors[0]['request']} -> HTTP {open_doors[0]['status']}" if open_doors else "")
    return f"{len(answers)} configuration write(s) without a token: each HTTP 403"


def _matches(pattern: str, path: str) -> bool:
    """The server's special-path match: a trailing '*' is a prefix, '+' one whole segment."""
    prefix = pattern.endswith("*")
    parts, segments = pattern.rstrip("*").split("/"), path.split("/")
    if not prefix and len(parts) != len(segments):
        return False
    if len(segments) < len(parts):
        return False
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "+":
            continue
        if last and prefix:
            return segments[i].startswith(part)
        if part != segments[i]:
            return False
    return True


def _candidates(session: CertifySession, pattern: str) -> list[str]:
    """Concrete paths for a declared pattern: documented paths it covers first, else the pattern filled in."""
    try:
        documented = sorted({op.path for op in openapi_discovery(session).operations})
    except Skip:
        documented = []
    covered = [p for p in documented if _matches(pattern, p)]
    filled = pattern.rstrip("*").replace("+", PROBE_NAME) or PROBE_NAME
    return covered[:1] or [filled]


# Requests that tell "the plugin answered" from "the server refused for want of a token": the server's
# refusal is always 403, while an undeclared operation is the plugin's 405. Harmless ones first: a DELETE
# is sent only when a read and an empty write both met a 403, i.e. when the path is most likely not served.
PROBES = (("GET", None), ("POST", {}), ("DELETE", None))


@check("PATH-021")
def unauthenticated_paths_are_served(session: CertifySession, evidence: Evidence) -> str:
    seen = session.wire_run
    declared = (seen.special_paths or {}).get("unauthenticated") if seen.special_paths else None
    if not declared:
        raise Skip("the plugin declares no unauthenticated path")
    mount = session.mount
    results = []
    for pattern in declared:
        path = _candidates(session, pattern)[0]
        answers = []
        for method, body in PROBES:
            response = session.api(method, f"{mount.path}/{path}", token=None, **({"json": body} if body is not None else {}))
            words = server_words(response)
            answers.append(f"{method} -> {response.status_code}" + (f": {words[:80]}" if response.status_code >= 300 else ""))
            served = response.status_code != 403 and not (response.status_code == 404 and "unsupported path" in words)
            if served:
                break
        results.append({"declared": pattern, "path": path, "served": served, "answers_without_a_token": answers})
    evidence["unauthenticated"] = results
    unserved = [r for r in results if not r["served"]]
    expect(not unserved, "every path declared unauthenticated to be served without a token (an answer of the plugin's, "
           "not the server's 403 or 'unsupported path')",
           f"{unserved[0]['declared']} ({unserved[0]['path']}): {'; '.join(unserved[0]['answers_without_a_token'])}"
           if unserved else "")
    return f"{len(results)} unauthenticated path(s) served without a token: " + ", ".join(
        f"{r['declared']} ({r['answers_without_a_token'][-1]})" for r in results)


@check("PATH-022")
def refused_login_is_a_client_error(session: CertifySession, evidence: Evidence) -> str:
    recipe = login_recipe(session)
    if recipe.refused_data is None:
        raise Skip("no login.refused_data in the manifest: no known-bad login to send")
    mount = session.mount
    response = session.api("POST", f"{mount.path}/{recipe.path}", token=None, json=recipe.refused_data)
    words = server_words(response)
    evidence["refused_login"] = f"POST {recipe.path} with login.refused_data -> {response.status_code}: {words[:200]}"
    expect(response.status_code in (400, 401, 403), "a refused login answered 400 or 403 with an error",
           f"HTTP {response.status_code}: {words}")
    try:
        granted = bool((response.json() or {}).get("auth"))
    except ValueError:
        granted = False
    expect(not granted, "no auth in a refused login", "an auth block")
    return f"refused login: HTTP {response.status_code}"


@check("LEASE-010")
def login_token_renews(session: CertifySession, evidence: Evidence) -> str:
    _renewable_recipe(session)
    with logged_in(session) as login:
        return _renews(session, login["auth"], evidence)


def _renews(session: CertifySession, auth: dict[str, Any], evidence: Evidence) -> str:
    evidence["login"] = auth_facts(auth)
    expect(auth.get("renewable") is True, "a renewable login (login.renewable = true in the manifest)",
           f"renewable {auth.get('renewable')!r}")
    token = auth["client_token"]
    response = session.api("PUT", "auth/token/renew-self", token=token, json={"increment": 30})
    words = server_words(response)
    evidence["renew"] = f"PUT auth/token/renew-self increment 30 -> {response.status_code}"
    expect(response.status_code == 200, "the token to renew through the plugin's renew handler (HTTP 200)",
           f"HTTP {response.status_code}: {words}")
    renewed = response.json().get("auth") or {}
    evidence["renewed"] = auth_facts(renewed)
    expect(set(renewed.get("policies") or []) == set(auth.get("policies") or []), "the renewed token to keep its policies",
           f"{renewed.get('policies')} after, {auth.get('policies')} before")
    lookup = session.api("GET", "auth/token/lookup-self", token=token)
    expect(lookup.status_code == 200, "the renewed token to work", f"HTTP {lookup.status_code}")
    return f"renewed through the plugin: lease_duration {renewed.get('lease_duration')} s, policies kept"


@check("LEASE-011")
def login_renewal_never_passes_max_ttl(session: CertifySession, evidence: Evidence) -> str:
    recipe = _renewable_recipe(session)
    with logged_in(session) as login:
        return _renews_within_max(session, recipe, login["auth"], evidence)


def _renews_within_max(session: CertifySession, recipe, auth: dict[str, Any], evidence: Evidence) -> str:
    max_ttl = recipe.max_ttl or login_mount_max_ttl(session)
    increment = max_ttl * 10
    response = session.api("PUT", "auth/token/renew-self", token=auth.get("client_token"), json={"increment": increment})
    expect(response.status_code == 200, "the token to renew", f"HTTP {response.status_code}: {server_words(response)}")
    duration = (response.json().get("auth") or {}).get("lease_duration")
    evidence.update({"max_ttl": max_ttl, "max_ttl_from": "manifest login.max_ttl" if recipe.max_ttl else "mount max_lease_ttl",
                     "increment_asked": increment, "lease_duration": duration})
    expect(isinstance(duration, int) and duration <= max_ttl, f"a renewal capped at the max TTL of {max_ttl} s",
           f"lease_duration {duration!r}")
    return f"asked {increment} s, got {duration} s: within the {max_ttl} s max TTL"
