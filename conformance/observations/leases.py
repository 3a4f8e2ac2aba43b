"""The [lease] recipe's secrets: how one is issued, and the two shared by several lease checks.

The issued lease is made once and read, renewed and revoked by LEASE-003, -001,
-004 and -002 in turn. The expiring lease (lease.expiring: a TTL of a few
seconds) is started by LEASE-003's check and attributed to LEASE-007, so its
seconds run out while the other checks run and LEASE-007 waits only for what is left.
"""

from __future__ import annotations

import time
from typing import Any

from conformance.outcomes import NeedsManifest, expect
from conformance.runtime.registration import HTTP_METHOD, request_body, server_words
from conformance.observations.context import CheckContext


def lease_recipe(ctx: CheckContext):
    if ctx.lease is None:
        raise NeedsManifest("no [lease] recipe in the manifest: nothing known that issues a leased secret", '[lease]')
    return ctx.lease


def issue(ctx: CheckContext, recipe, label: str = "lease", mount=None) -> dict[str, Any]:
    """Run a recipe: its setup requests, then the request that issues a leased secret."""
    mount = mount or ctx.mount
    for request in recipe.setup:
        response = ctx.api(HTTP_METHOD[request.operation], f"{mount.path}/{request.path}", json=request.data)
        expect(response.status_code < 300, f"{label} setup {request.line} to succeed",
               f"HTTP {response.status_code}: {server_words(response)}")
    response = ctx.api(HTTP_METHOD[recipe.operation], f"{mount.path}/{recipe.path}",
                       **request_body(recipe.operation, recipe.data))
    expect(response.status_code == 200, f"{recipe.operation} {recipe.path} to issue a secret",
           f"HTTP {response.status_code}: {server_words(response)}")
    body = response.json()
    return {"lease_id": body.get("lease_id") or "", "lease_duration": body.get("lease_duration"),
            "renewable": body.get("renewable"), "data": body.get("data") or {}, "issued_at": time.monotonic()}


def issued_lease(ctx: CheckContext) -> dict[str, Any]:
    """The [lease] recipe's secret, issued once and shared by the checks that only read or renew it."""
    return ctx.once("issued_lease", lambda: issue(ctx, lease_recipe(ctx)))


def expiring_lease(ctx: CheckContext) -> dict[str, Any]:
    """The lease.expiring recipe's lease, issued once (attributed to LEASE-007). LEASE-003's check starts it, so
    its few seconds run out while the other checks run, and LEASE-007 waits only for what is left of them."""
    def make() -> dict[str, Any]:
        lease = issue(ctx, lease_recipe(ctx).expiring, "the expiring lease")
        ctx.attribute_lease(lease["lease_id"], "LEASE-007")
        return lease
    return ctx.once("expiring_lease", make)
