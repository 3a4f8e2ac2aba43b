"""LEASE: a secret's lease, renewed and revoked through the real server's expiration manager."""

from __future__ import annotations

from typing import Any

from conformance.catalog import check
from conformance.outcomes import Evidence, Skip, expect
from conformance.registration import HTTP_METHOD, server_words
from conformance.session import CertifySession

RENEW_INCREMENT_S = 30


def _issued_lease(session: CertifySession, evidence: Evidence) -> dict[str, Any]:
    """Run the manifest's [lease] recipe once: setup requests, then the read that issues a lease."""
    if "issued_lease" in session.__dict__:
        return session.__dict__["issued_lease"]
    recipe = session.lease
    if recipe is None:
        raise Skip("no [lease] recipe in the manifest: nothing known that issues a leased secret")
    mount = session.mount
    for request in recipe.setup:
        response = session.server.request(HTTP_METHOD.get(request.operation, "POST"), f"{mount.path}/{request.path}",
                                          json=request.data)
        expect(response.status_code < 300, f"setup {request.operation} {request.path} to succeed",
               f"HTTP {response.status_code}: {server_words(response)}")
    response = session.server.request("GET", f"{mount.path}/{recipe.path}")
    expect(response.status_code == 200, f"GET {recipe.path} to issue a secret", f"HTTP {response.status_code}: {server_words(response)}")
    body = response.json()
    lease = {"lease_id": body.get("lease_id"), "lease_duration": body.get("lease_duration"),
             "renewable": body.get("renewable")}
    expect(bool(lease["lease_id"]) and bool(lease["renewable"]), "a renewable lease",
           f"lease_id {'set' if lease['lease_id'] else 'empty'}, renewable {lease['renewable']}")
    session.__dict__["issued_lease"] = lease
    return lease


@check
def lease_renews(session: CertifySession, evidence: Evidence) -> str:
    lease = _issued_lease(session, evidence)
    evidence["issued"] = {"lease_duration": lease["lease_duration"], "renewable": lease["renewable"]}
    response = session.server.request("PUT", "sys/leases/renew",
                                      json={"lease_id": lease["lease_id"], "increment": RENEW_INCREMENT_S})
    words = server_words(response)
    evidence["renew"] = f"PUT sys/leases/renew increment {RENEW_INCREMENT_S} -> {response.status_code}"
    expect(response.status_code == 200, "HTTP 200 from the renewal", f"HTTP {response.status_code}: {words}")
    renewed = response.json() if response.content else {}
    duration = renewed.get("lease_duration")
    evidence["renewed_lease_duration"] = duration
    expect(renewed.get("lease_id") == lease["lease_id"] and isinstance(duration, int) and duration > 0,
           "the renewed lease with a positive lease_duration",
           f"lease_id {'matching' if renewed.get('lease_id') == lease['lease_id'] else renewed.get('lease_id')!r}, "
           f"lease_duration {duration!r}")
    return f"renewed: lease_duration {duration} s (asked {RENEW_INCREMENT_S} s)"


@check
def lease_revokes(session: CertifySession, evidence: Evidence) -> str:
    lease = _issued_lease(session, evidence)
    response = session.server.request("PUT", "sys/leases/revoke", json={"lease_id": lease["lease_id"]})
    evidence["revoke"] = f"PUT sys/leases/revoke -> {response.status_code}"
    expect(response.status_code == 204, "HTTP 204 from the revocation", f"HTTP {response.status_code}: {server_words(response)}")
    lookup = session.server.request("PUT", "sys/leases/lookup", json={"lease_id": lease["lease_id"]})
    evidence["lookup_after_revoke"] = f"PUT sys/leases/lookup -> {lookup.status_code}"
    expect(lookup.status_code == 400, "the lease to be gone after revocation",
           f"lookup answered HTTP {lookup.status_code}")
    return "revoked (204); the server no longer knows the lease"
