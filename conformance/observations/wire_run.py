"""The wire host's run as the checks read it: its transcript in their evidence, and the [[exercise]] it played.

Checks of several areas (paths, tls, security, shutdown, multiplexing, leases,
versions) judge the same run of the wire host (conformance/wirehost/scenario.py),
made once per certification by the ctx.
"""

from __future__ import annotations

from conformance.outcomes import Blocked, Evidence, NeedsManifest
from conformance.observations.context import CheckContext


def wire_seen(ctx: CheckContext, evidence: Evidence, mount_facts_only: bool = False):
    """The wire host's run, its transcript in the evidence; Skip when it could not even connect. A check of the
    mount's facts only (Setup, broker dial, Type, Initialize) need not wait for the rest of the run."""
    seen = ctx.wire_mounted() if mount_facts_only else ctx.wire_run
    evidence["wire_transcript"] = seen.transcript
    if seen.start_error:
        raise Blocked(f"the wire host could not connect: {seen.start_error}")
    return seen


def wire_exercise(ctx: CheckContext, evidence: Evidence) -> dict:
    """The manifest's [[exercise]] as the wire host played it (storage calls, faults, existence checks)."""
    seen = wire_seen(ctx, evidence)
    if seen.exercise is None:
        raise NeedsManifest("no [[exercise]] requests in the manifest: nothing known that writes and reads state",
                            '[[exercise]]')
    evidence["exercise"] = seen.exercise
    return seen.exercise
