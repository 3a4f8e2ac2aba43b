"""Which manifest sections a requirement's check needs, and which a manifest has.

A check that cannot run without a recipe raises NeedsManifest(message, SECTION) at run time; the same sections are
declared next to the check (`@check("LEASE-005", needs=(LEASE, LEASE_VERIFY))`), so that `certify --list` says,
before anything runs, which requirements the manifest leaves unchecked and what to add. A requirement that depends
on one left unchecked is unchecked for the same reason. tests/unit/test_manifest_needs.py holds the declarations
to what recorded runs did.
"""

from __future__ import annotations

from typing import Callable

from conformance.manifest import WRITE_OPERATIONS, ManifestDocument

EXERCISE = "[[exercise]]"
SETUP_OR_EXERCISE_WRITES = "[[setup]] or [[exercise]] writes"
LEASE = "[lease]"
LEASE_VERIFY = "[lease.verify]"
LEASE_EXPIRING = "[lease.expiring]"
LEASE_REMOVE = "[lease.remove]"
UPGRADE = "[upgrade]"
LOGIN = "[login]"
LOGIN_REFUSED = "login.refused_data"
LOGIN_RENEWABLE = "login.renewable = true (if its logins are renewable; if not, leave LEASE-010/011 out with -k)"
DATABASE = "[database]"
DATABASE_LOGIN = "[database.login]"
DATABASE_STATIC = "[database.static]"
DATABASE_CREDENTIALS = "a username and password in [database] connection"

# Whether a manifest has what each section names (None: no manifest at all).
PRESENT: dict[str, Callable[[ManifestDocument], bool]] = {
    EXERCISE: lambda m: bool(m.exercise),
    SETUP_OR_EXERCISE_WRITES: lambda m: any(r.operation in WRITE_OPERATIONS for r in (*m.setup, *m.exercise)),
    LEASE: lambda m: m.lease is not None,
    LEASE_VERIFY: lambda m: m.lease is not None and m.lease.verify is not None,
    LEASE_EXPIRING: lambda m: m.lease is not None and m.lease.expiring is not None,
    LEASE_REMOVE: lambda m: m.lease is not None and m.lease.remove is not None,
    UPGRADE: lambda m: m.upgrade is not None,
    LOGIN: lambda m: m.login is not None,
    LOGIN_REFUSED: lambda m: m.login is not None and m.login.refused_data is not None,
    LOGIN_RENEWABLE: lambda m: m.login is not None and m.login.renewable,
    DATABASE: lambda m: m.database is not None,
    DATABASE_LOGIN: lambda m: m.database is not None and m.database.login is not None,
    DATABASE_STATIC: lambda m: m.database is not None and m.database.static is not None,
    DATABASE_CREDENTIALS: lambda m: m.database is not None and {"username", "password"} <= set(m.database.connection),
}


def missing(sections: tuple[str, ...], document: ManifestDocument | None) -> list[str]:
    """The sections of `sections` that the manifest (None: no manifest) lacks, in the order given."""
    return [s for s in sections if document is None or not PRESENT[s](document)]
