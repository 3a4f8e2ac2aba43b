"""A report's headline and exit code (report.headline): one story for the CLI, summary.md, report.html and the
exit status, on the recorded runs and on summaries made here."""

from __future__ import annotations

import pytest

from conformance.report.headline import exit_code, headline, regressed
from unit_samples import BASELINE, DEADLINE, MUTANT, NO_MANIFEST, RUNS, SAMPLES, SECRETS, sample


@pytest.mark.parametrize("name", SAMPLES)
def test_the_exit_code_of_a_recorded_run_follows_from_its_report(name):
    assert exit_code(sample(name)) == RUNS[name]["exit_code"]


@pytest.mark.parametrize("name, line", [
    (SECRETS, "conformant"),
    (MUTANT, "non-conformant"),
    (DEADLINE, "error"),
    (NO_MANIFEST, "incomplete, 20 MUSTs unchecked"),
    (BASELINE, "non-conformant, regressed against the baseline"),
])
def test_the_headline_of_a_recorded_run(name, line):
    assert headline(sample(name)) == line


def summary(verdict: str, must_failed: int = 0, errors: int = 0, unchecked: int = 0) -> dict:
    return {"summary": {"verdict": verdict, "must_failed": must_failed, "errors": errors,
                        "coverage": {"not_checked": [{"id": f"HS-{900 + i}", "kind": "needs-manifest", "how": "x"}
                                                     for i in range(unchecked)]}}}


@pytest.mark.parametrize("document, allow, code", [
    (summary("conformant"), False, 0),
    (summary("non-conformant", must_failed=1), False, 1),
    (summary("error", errors=2), False, 3),
    (summary("error", must_failed=1, errors=2), False, 1),  # a failed MUST is the plugin's fault: 1, even with errors
    (summary("incomplete", unchecked=3), False, 4),
    (summary("incomplete", unchecked=3), True, 0),  # --allow-incomplete
    (summary("non-conformant", must_failed=1), True, 1),  # --allow-incomplete allows nothing else
], ids=["conformant", "must-failed", "errors", "must-failed-and-errors", "incomplete", "incomplete-allowed",
        "allow-is-only-for-incomplete"])
def test_exit_codes(document, allow, code):
    assert exit_code(document, allow_incomplete=allow) == code


def with_baseline(document: dict, **block) -> dict:
    document["baseline"] = {"path": "b.json", "regressions": [], **block}
    return document


@pytest.mark.parametrize("block, gate", [
    ({"regressions": ["LEASE-005"]}, True),
    ({"lost_coverage": ["VER-002"]}, True),  # passed there, unchecked now: fails the gate too
    ({"metric_regressions": ["handshake_ms: 20 -> 90 (+350%)"], "metrics_gate": True}, True),
    ({"metric_regressions": ["handshake_ms: 20 -> 90 (+350%)"], "metrics_gate": False}, False),
    ({"metric_regressions": ["handshake_ms: 20 -> 90 (+350%)"]}, True),  # reports made before --gate-metrics
    ({"improvements": ["LEASE-005"]}, False),
], ids=["regression", "lost-coverage", "metrics-gated", "metrics-reported-only", "metrics-before-the-option",
        "improvement"])
def test_what_fails_the_gate_against_a_baseline(block, gate):
    document = with_baseline(summary("conformant"), **block)
    assert bool(regressed(document)) is gate
    assert exit_code(document) == (1 if gate else 0)
    assert headline(document) == ("conformant, regressed against the baseline" if gate else "conformant")


def test_regressed_lists_requirements_then_lost_coverage_then_metrics():
    document = with_baseline(summary("conformant"), regressions=["LEASE-005"], lost_coverage=["VER-002"],
                             metric_regressions=["rpc_p99_ms: 1 -> 90 (+8900%)"], metrics_gate=True)
    assert regressed(document) == ["LEASE-005", "VER-002", "rpc_p99_ms: 1 -> 90 (+8900%)"]
    assert regressed(sample(BASELINE)) == ["LEASE-005", "LEASE-007", "LEASE-013", "VER-002"]
    assert regressed(sample(SECRETS)) == []


@pytest.mark.parametrize("unchecked, exit_status, line", [
    (1, None, "incomplete, 1 MUST unchecked"),
    (2, 4, "incomplete, 2 MUSTs unchecked"),
    (2, 0, "incomplete, 2 MUSTs unchecked, allowed (--allow-incomplete)"),
])
def test_an_incomplete_headline_counts_what_is_unchecked(unchecked, exit_status, line):
    assert headline(summary("incomplete", unchecked=unchecked), exit_status) == line
