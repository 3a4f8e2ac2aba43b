"""The recorded certification runs under tests/unit/data/ (README.md there says which command made each)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
RUNS: dict[str, dict] = json.loads((DATA / "runs.json").read_text())
SAMPLES = tuple(name for name, run in RUNS.items() if not run.get("before_coverage"))  # the current format's runs

SECRETS = "reference-secrets-process"  # conformant, process runtime, OpenBao
MUTANT = "mutant-revoke-does-nothing-process"  # non-conformant: LEASE-005 and LEASE-007 failed
AUTH_WIRE = "reference-auth-wire"  # incomplete (no manifest: no [[exercise]]), wire runtime, no server
DATABASE = "reference-database-process"  # conformant database plugin
DEADLINE = "reference-secrets-deadline-1s"  # verdict error: --deadline 1
BASELINE = "mutant-revoke-does-nothing-baseline"  # the mutant against SECRETS as --baseline (--baseline-any)
SHARD_HS = "reference-secrets-wire-k-hs"  # -k HS, wire runtime
SHARD_TLS_PATH = "reference-secrets-wire-k-tls-or-path"  # -k "TLS or PATH", same plugin, server and runtime
NO_MANIFEST = "reference-secrets-no-manifest"  # incomplete: the MUSTs that need [[exercise]] and [lease] unchecked
BEFORE_COVERAGE = "reference-secrets-wire-k-hs-before-coverage"  # -k HS, as the tool wrote it before skip kinds


@functools.cache
def _text(name: str) -> str:
    return (DATA / name / "report.json").read_text(encoding="utf-8")


def sample(name: str) -> dict:
    """A recorded report.json, as a fresh dict each time (a test may change it)."""
    return json.loads(_text(name))


def recorded(name: str, file: str) -> str:
    """A file the tool wrote next to that report.json in the recorded run (summary.md, badge.svg, junit.xml)."""
    return (DATA / name / file).read_text(encoding="utf-8")


def result(document: dict, requirement_id: str) -> dict:
    """The result of one requirement in a report document."""
    return next(r for r in document["results"] if r["id"] == requirement_id)


def requirement(rid: str, level, title: str | None = None, **fields):
    """A Requirement made here (not in the catalog), whatever the catalog's other fields are this week: the
    check names were a field of Requirement before checks registered themselves under the id."""
    import dataclasses

    from conformance.catalog import Requirement

    names = {f.name for f in dataclasses.fields(Requirement)}
    if "checks" in names:
        fields.setdefault("checks", ("a_check",))
    return Requirement(id=rid, level=level, title=title or f"A {level.value} requirement.", source="a/source file.go",
                       **fields)
AUTH_NO_MANIFEST = "reference-auth-no-manifest"  # incomplete: [[exercise]], [login] and a write missing; process
DATABASE_NO_MANIFEST = "reference-database-no-manifest"  # incomplete: [database] missing; process
