"""The manifest's [login], made without a token, and what the server says of the token it yields.

Shared by the auth method's path checks (PATH-019, PATH-020) and its lease
checks (LEASE-010, LEASE-011): each logs in afresh and revokes the token after.
"""

from __future__ import annotations

import contextlib
from typing import Any

from conformance.outcomes import NeedsManifest, expect
from conformance.runtime.registration import server_words
from conformance.observations.context import CheckContext


def login_recipe(ctx: CheckContext):
    if ctx.login is None:
        raise NeedsManifest("no [login] recipe in the manifest: nothing known that logs in", '[login]')
    return ctx.login


def login_mount_max_ttl(ctx: CheckContext) -> int:
    """The mount's max_lease_ttl a login is held to (its tuning must be readable)."""
    max_ttl = ctx.server.max_lease_ttl(ctx.mount)
    expect(max_ttl is not None, "the mount's tuning to be readable", "it could not be read")
    return max_ttl


@contextlib.contextmanager
def logged_in(ctx: CheckContext):
    """The manifest's login, made without a token, with what the server says of the token it yields;
    the token is revoked afterwards, so the scenario leaves no lease behind."""
    recipe = login_recipe(ctx)
    mount = ctx.mount
    response = ctx.api("POST", f"{mount.path}/{recipe.path}", token=None, json=recipe.data)
    expect(response.status_code == 200, f"POST {recipe.path} without a token to log in (HTTP 200)",
           f"HTTP {response.status_code}: {server_words(response)}")
    body = response.json()
    auth = body.get("auth") or {}
    token = auth.get("client_token")
    expect(bool(token), f"POST {recipe.path} to answer with auth.client_token", f"fields {sorted(body)}")
    try:
        lookup = ctx.api("GET", "auth/token/lookup-self", token=token)
        yield {"auth": auth, "warnings": body.get("warnings") or [], "lookup_status": lookup.status_code,
               "token_data": (lookup.json().get("data") or {}) if lookup.status_code == 200 else {},
               "lookup_words": server_words(lookup) if lookup.status_code != 200 else ""}
    finally:
        ctx.api("PUT", "auth/token/revoke-self", token=token)


def auth_facts(auth: dict[str, Any]) -> dict[str, Any]:
    # Never the token itself: its accessor identifies it without granting anything.
    return {k: auth.get(k) for k in ("accessor", "policies", "token_policies", "lease_duration", "renewable",
                                     "entity_id", "token_type", "orphan")}

