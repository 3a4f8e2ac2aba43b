"""Run the catalog's checks in order against one session and collect one result per requirement."""

from __future__ import annotations

import time

import requests

from conformance.catalog import BY_ID, REQUIREMENTS, Needs, Requirement, load_checks
from conformance.runtime.deadline import Deadline, DeadlinePassed
from conformance.errors import UsageError
from conformance.outcomes import (
    Blocked, CheckFailed, Evidence, NotApplicable, NotSelected, Outcome, Skip, SkipKind,
)
from conformance.report.model import Result
from conformance.certify.selection import Selection
from conformance.observations.context import check_context
from conformance.observations.session import CertifySession

SERVER_RUNTIMES = ("process", "docker")


def needs_server(selection: Selection, plugin_type: str) -> bool:
    return any(
        selection.includes(r) and r.needs is Needs.SERVER and plugin_type in r.applies_to for r in REQUIREMENTS
    )


def run_requirements(session: CertifySession, selection: Selection, runtime: str, progress=None,
                     deadline: Deadline | None = None) -> list[Result]:
    """One result per requirement, in catalog order. Where a server runs, its checks go first: the wire host's
    run (started in the background with the certification) is then done by the time the checks that read it
    come, instead of holding the first of them; the checks that upgrade, reload, seal, unmount or restart
    (`late`) come last, after the launch-only ones. A requirement's dependencies always run before it."""
    checks = load_checks()
    results: dict[str, Result] = {}

    def visit(req: Requirement) -> None:
        for dep in req.depends_on:
            if dep not in results:
                visit(BY_ID[dep])
        results[req.id] = _result(req, session, selection, runtime, results, checks, deadline)
        if progress is not None:
            progress(req, results[req.id])

    # (Not for database plugins: the engine's checks rotate the database's root password, which the wire run,
    # still going in the background, logs in with.)
    first_server = runtime in SERVER_RUNTIMES and session.plugin_type != "database"
    def phase(req: Requirement) -> int:
        if not first_server:
            return 0
        return 2 if req.late else 0 if req.needs is Needs.SERVER else 1

    for req in sorted(REQUIREMENTS, key=phase):
        if req.id not in results:
            visit(req)
    if progress is not None:
        progress.finish()
    return [results[req.id] for req in REQUIREMENTS]


def _result(req: Requirement, session: CertifySession, selection: Selection, runtime: str,
            results: dict[str, Result], checks, deadline: Deadline | None) -> Result:
    unchecked = _reason_not_to_run(req, session, selection, runtime, results)
    if unchecked is not None:
        return Result(req, Outcome.SKIPPED, str(unchecked), skip_kind=unchecked.kind, how=unchecked.how)
    if deadline is not None and deadline.passed():
        return Result(req, Outcome.ERROR, f"{req.id}: not run: the certification's deadline "
                      f"({deadline.seconds:g} s, --deadline) had passed")
    session.tracker.current = req.id
    watched = req.needs is Needs.SERVER and session.mounted is not None
    try:
        if watched:
            session.ledger.before(session.server, session.mounted.path)
        result = _run_one(req, checks[req.id], session)
        if watched:
            # A scenario's leases still alive when it ends are remembered against it (LEASE-012 reports them).
            left = session.ledger.after(session.server, session.mounted.path, req.id)
            if left:
                result.evidence["leases_left_alive"] = len(left)
    except DeadlinePassed as cut:  # while listing the mount's leases around the check
        return Result(req, Outcome.ERROR, f"{req.id}: cut short: {cut}")
    return result


OUTCOME_WORDS = {Outcome.SKIPPED: "was skipped", Outcome.FAILED: "failed", Outcome.ERROR: "errored"}


def _reason_not_to_run(req: Requirement, session: CertifySession, selection: Selection,
                       runtime: str, results: dict[str, Result]) -> Skip | None:
    """Why the requirement is not checked in this run (a Skip of its kind, with what would let it run), or None."""
    # Whether it applies comes first: a requirement of another plugin type is not "left out" by a selection.
    if session.plugin_type not in req.applies_to:
        return NotApplicable(f"does not apply to {session.plugin_type} plugins")
    if not selection.includes(req):
        return NotSelected(selection.reasons[req.id], how="select it (-k, --area, --level)")
    if req.needs is Needs.SERVER and runtime not in SERVER_RUNTIMES:
        return NotSelected(f"needs a real server; this run used --runtime {runtime}",
                           how="--runtime process or --runtime docker")
    for dep in req.depends_on:
        before = results[dep]
        if before.outcome is not Outcome.PASSED:
            message = f"not run: depends on {dep}, which {OUTCOME_WORDS[before.outcome]}"
            if before.skip_kind in (SkipKind.NEEDS_MANIFEST, SkipKind.NOT_SELECTED, SkipKind.NOT_APPLICABLE):
                # Unchecked for the same reason as what it depends on, and checked by the same remedy.
                return Skip.of_kind(before.skip_kind, message, how=before.how)
            return Blocked(message, how=before.how or f"{dep} passing")
    return None


def _run_one(req: Requirement, functions, session: CertifySession) -> Result:
    evidence = Evidence()
    started = time.monotonic()
    messages = []
    skip_kind = how = None
    try:
        for function in functions:
            messages.append(function(check_context(session), evidence) or "passed")  # never the session itself
        outcome, message = Outcome.PASSED, "; ".join(messages)
    except CheckFailed as failure:
        outcome, message = Outcome.FAILED, f"{req.id} ({req.level.value}): {failure}"
    except Skip as skip:
        outcome, message, skip_kind, how = Outcome.SKIPPED, str(skip), skip.kind, skip.how
    except DeadlinePassed as cut:
        outcome, message = Outcome.ERROR, f"{req.id}: cut short: {cut}"
    except UsageError:  # the run was given something wrong (WrongPluginType): no verdict, exit 2
        raise
    except requests.Timeout as timeout:  # the server did not answer within the bound: the plugin held it
        outcome, message = Outcome.FAILED, (f"{req.id} ({req.level.value}): expected an answer through the server "
                                            f"within its bound, saw none: {timeout}")
    except Exception as error:  # the check itself broke: an error, not a verdict on the plugin
        outcome, message = Outcome.ERROR, f"{req.id}: check raised {type(error).__name__}: {error}"
    return Result(req, outcome, message, time.monotonic() - started, evidence.facts, skip_kind=skip_kind, how=how)
