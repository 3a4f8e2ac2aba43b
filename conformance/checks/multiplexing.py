"""MUX: one plugin process serving several mounts (multiplex_id), with their storage kept apart.

At the wire: a plugin that reports multiplexing support gets a second mount on
the same process, which must not see what the first one wrote.

Sources: openbao/openbao sdk/plugin/grpc_backend_server.go (one backend instance
per multiplex_id), sdk/helper/pluginutil/multiplexing.go.
"""

from __future__ import annotations

from conformance.catalog import check
from conformance.observations.context import CheckContext
from conformance.observations.wire_run import wire_exercise, wire_seen
from conformance.outcomes import Evidence, NotApplicable, expect
from conformance.manifest_needs import EXERCISE


@check("MUX-001", needs=(EXERCISE,))
def mounts_are_isolated(ctx: CheckContext, evidence: Evidence) -> str:
    seen = wire_seen(ctx, evidence)
    if not seen.multiplexing:
        raise NotApplicable("the plugin does not report multiplexing support: one mount per process")
    exercise = wire_exercise(ctx, evidence)
    second = seen.second_mount
    expect(second is not None, "a second mount on the same process", "it could not be made")
    evidence["second_mount"] = second
    expect(not second.get("setup_err"), "Setup of a second mount to succeed", f"err {second.get('setup_err')!r}")
    first_read = exercise["requests"][exercise["read_back_index"]]
    leaked = second["data"] == first_read["data"] and first_read["data"] not in (None, "", "null", "{}")
    expect(not leaked, f"{second['request']!r} on the second mount not to return the first mount's data",
           f"the same data: {second['data'][:120]}" if leaked else "")
    return f"the second mount answered {second['answer']!r} without the first mount's data"
