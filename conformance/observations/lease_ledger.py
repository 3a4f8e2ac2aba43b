"""Which check issued which lease: the leases under the mount, listed before and after every server check.

The expiration manager lists lease ids under a prefix (LIST sys/leases/lookup/<prefix>);
a lease that appears while a check runs was issued by that check's scenario, so a lease
still there at the end of the run is reported against the scenario that left it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_LEASES = 2000  # a plugin that floods the expiration manager is reported, not walked forever


def leases_under(server, prefix: str) -> set[str]:
    found: set[str] = set()
    pending = [prefix.rstrip("/") + "/"]
    while pending and len(found) < MAX_LEASES:
        current = pending.pop()
        response = server.request("LIST", f"sys/leases/lookup/{current}")
        if response.status_code != 200:
            continue
        for key in (response.json().get("data") or {}).get("keys") or []:
            (pending.append if key.endswith("/") else found.add)(current + key)
    return found


@dataclass
class LeaseLedger:
    issued_by: dict[str, str] = field(default_factory=dict)  # lease id -> requirement id of the scenario
    _snapshot: set[str] | None = None  # the leases when the last watched check ended

    def before(self, server, prefix: str) -> None:
        # Nothing issues leases between two checks: the last check's end is this one's start.
        if self._snapshot is None:
            self._snapshot = leases_under(server, prefix)

    def after(self, server, prefix: str, requirement_id: str) -> list[str]:
        now = leases_under(server, prefix)
        new = sorted(now - (self._snapshot or set()))
        self._snapshot = now
        for lease_id in new:
            self.issued_by.setdefault(lease_id, requirement_id)
        return [lease_id for lease_id in new if self.issued_by[lease_id] == requirement_id]
