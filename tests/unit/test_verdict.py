"""The verdict, the summary counts and the MUST coverage (report.model: summarise, must_coverage, verdict_of,
Report.summary; report.compare.summarize), on recorded runs and on results made here."""

from __future__ import annotations

import datetime as dt

import pytest

from conformance.catalog import BY_ID, REQUIREMENTS, Level
from conformance.outcomes import Outcome, SkipKind
from conformance.report.compare import summarize
from conformance.report.model import Report, Result, must_coverage, summarise
from unit_samples import (AUTH_WIRE, BEFORE_COVERAGE, DEADLINE, MUTANT, NO_MANIFEST, SAMPLES, SECRETS, SHARD_HS, SHARD_TLS_PATH,
                          requirement, sample)


def results_of(document: dict) -> list[Result]:
    """The recorded results as the model's Result objects (the requirement from the catalog)."""
    return [Result(BY_ID[r["id"]], Outcome(r["outcome"]), r["message"], r["duration_s"], r["evidence"],
                   SkipKind(r["skip_kind"]) if "skip_kind" in r else None, r.get("how"))
            for r in document["results"]]


def report_of(results: list[Result]) -> Report:
    return Report(plugin={}, server={}, started_at=dt.datetime.now(dt.timezone.utc), duration_s=0.0,
                  results=results, metrics={})


def made(*cases: tuple) -> list[dict]:
    """report.json results: (level, outcome) or (level, "skipped", skip kind)."""
    results = []
    for i, (level, outcome, *kind) in enumerate(cases):
        r = Result(requirement(f"HS-{900 + i}", level), Outcome(outcome), f"message {i}",
                   skip_kind=SkipKind(kind[0]) if kind else None)
        results.append(r.as_dict())
    return results


M, S = Level.MUST, Level.SHOULD


@pytest.mark.parametrize("name", SAMPLES)
def test_the_summary_recomputed_from_a_recorded_run_is_the_one_it_wrote(name):
    document = sample(name)
    assert summarise(document["results"]) == document["summary"]
    assert report_of(results_of(document)).summary() == document["summary"]


def test_compare_summarizes_by_the_same_rules():
    for name in SAMPLES:
        document = sample(name)
        assert summarize(document["results"]) == document["summary"], name


@pytest.mark.parametrize("name", SAMPLES)
def test_the_counts_of_a_recorded_run_add_up_to_its_results(name):
    summary = sample(name)["summary"]
    assert summary["passed"] + summary["failed"] + summary["skipped"] + summary["errors"] == summary["total"] == 89
    assert summary["must_failed"] <= summary["failed"]
    coverage = summary["coverage"]
    assert coverage["checked_must"] <= coverage["selected_must"] <= coverage["applicable_must"]


def test_the_recorded_verdicts():
    assert sample(SECRETS)["summary"] == {
        "total": 89, "passed": 69, "failed": 0, "skipped": 20, "errors": 0, "must_failed": 0, "verdict": "conformant",
        "coverage": {"applicable_must": 58, "selected_must": 58, "checked_must": 58,
                     "scope": "all 58 applicable MUSTs", "not_checked": []}}
    mutant = sample(MUTANT)["summary"]
    assert (mutant["verdict"], mutant["failed"], mutant["must_failed"]) == ("non-conformant", 2, 2)
    assert [(i["id"], i["kind"]) for i in mutant["coverage"]["not_checked"]] == [
        ("LEASE-013", "needs-manifest"), ("VER-002", "needs-manifest")]
    late = sample(DEADLINE)["summary"]
    assert (late["verdict"], late["must_failed"]) == ("error", 0) and late["errors"] == sum(
        r["outcome"] == "error" for r in sample(DEADLINE)["results"]) > 0
    bare = sample(NO_MANIFEST)["summary"]
    assert (bare["verdict"], bare["coverage"]["checked_must"], len(bare["coverage"]["not_checked"])) == (
        "incomplete", 38, 20)
    assert sample(AUTH_WIRE)["summary"]["verdict"] == "incomplete"


@pytest.mark.parametrize("cases, verdict, must_failed", [
    ([], "conformant", 0),
    ([(M, "passed"), (S, "passed")], "conformant", 0),
    ([(M, "passed"), (S, "failed")], "conformant", 0),
    ([(Level.MAY, "failed")], "conformant", 0),
    ([(M, "passed"), (M, "skipped", "not-applicable")], "conformant", 0),
    ([(M, "passed"), (M, "skipped", "not-selected")], "conformant", 0),
    ([(M, "passed"), (S, "skipped", "needs-manifest")], "conformant", 0),  # only MUSTs count
    ([(M, "passed"), (M, "skipped", "needs-manifest")], "incomplete", 0),
    ([(M, "passed"), (M, "skipped", "blocked")], "incomplete", 0),  # nothing failed explains the gap
    ([(M, "failed"), (M, "skipped", "blocked")], "non-conformant", 1),  # the failure explains it
    ([(M, "failed"), (M, "skipped", "needs-manifest")], "non-conformant", 1),
    ([(S, "error"), (M, "passed")], "error", 0),
    ([(M, "failed"), (M, "error"), (M, "failed")], "error", 2),  # an error wins over failed MUSTs
], ids=["nothing", "all-passed", "should-failed", "may-failed", "not-applicable", "not-selected",
        "should-needs-manifest", "needs-manifest", "blocked", "blocked-by-a-failure", "failed-and-needs-manifest",
        "an-error", "error-wins"])
def test_verdict_rules(cases, verdict, must_failed):
    summary = summarise(made(*cases))
    assert (summary["verdict"], summary["must_failed"]) == (verdict, must_failed)


def test_a_skip_without_a_kind_is_unknown_and_does_not_make_a_run_incomplete():
    """A report made before skip kinds existed: its skips are of an unknown kind, and judging it again (a merge)
    gives the verdict that version gave, not `incomplete`."""
    results = made((M, "passed"), (M, "skipped"))
    assert results[1]["skip_kind"] == "blocked"
    assert summarise(results)["verdict"] == "incomplete"  # a blocked MUST, and no MUST failed to explain it
    del results[1]["skip_kind"]
    assert summarise(results)["verdict"] == "conformant"
    assert must_coverage(results)["not_checked"] == [{"id": "HS-901", "kind": "unknown", "how": "message 1"}]


def test_counts_by_outcome():
    outcomes = ["passed"] * 3 + ["failed"] * 2 + ["skipped"] * 4 + ["error"]
    summary = summarise(made(*[(S, o) for o in outcomes]))
    assert {k: v for k, v in summary.items() if k != "coverage"} == {
        "total": 10, "passed": 3, "failed": 2, "skipped": 4, "errors": 1, "must_failed": 0, "verdict": "error"}


def test_coverage_counts_applicable_selected_and_checked_musts():
    results = made((M, "passed"), (M, "failed"), (M, "error"), (M, "skipped", "not-applicable"),
                   (M, "skipped", "needs-manifest"), (S, "passed"))
    results.append({**made((M, "skipped", "not-selected"))[0], "id": "HS-999",
                    "message": "needs a real server; this run used --runtime wire"})
    coverage = must_coverage(results)
    assert (coverage["applicable_must"], coverage["selected_must"], coverage["checked_must"]) == (5, 4, 2)
    assert coverage["scope"] == "4 of 5 applicable MUSTs: wire runtime"
    assert [(i["id"], i["kind"]) for i in coverage["not_checked"]] == [
        ("HS-902", "error"), ("HS-904", "needs-manifest"), ("HS-999", "not-selected")]


def test_coverage_says_what_would_check_an_unchecked_must():
    bare = sample(NO_MANIFEST)["summary"]["coverage"]
    hows = {item["how"] for item in bare["not_checked"]}
    assert hows == {"add [[exercise]] to the manifest (docs/manifest.md)",
                    "add [lease] to the manifest (docs/manifest.md)"}
    assert {item["kind"] for item in bare["not_checked"]} == {"needs-manifest"}


def test_the_scope_names_what_left_musts_out():
    assert sample(SHARD_HS)["summary"]["coverage"]["scope"] == "9 of 58 applicable MUSTs: selection"
    assert sample(SHARD_TLS_PATH)["summary"]["coverage"]["scope"].endswith("applicable MUSTs: selection, wire runtime")
    assert sample(AUTH_WIRE)["summary"]["coverage"]["scope"] == "28 of 52 applicable MUSTs: wire runtime"


def test_applicable_musts_do_not_depend_on_the_selection():
    applicable = sum(1 for r in REQUIREMENTS if r.level is Level.MUST and "secret" in r.applies_to)
    assert sample(SECRETS)["summary"]["coverage"]["applicable_must"] == applicable == 58
    assert sample(SHARD_HS)["summary"]["coverage"]["applicable_must"] == applicable


def test_a_report_made_before_coverage_is_counted_the_same():
    document = sample(BEFORE_COVERAGE)
    assert "coverage" not in document["summary"] and all("skip_kind" not in r for r in document["results"])
    summary = summarise(document["results"])
    keys = ("total", "passed", "failed", "skipped", "errors", "must_failed")
    assert {k: summary[k] for k in keys} == {k: document["summary"][k] for k in keys}
    assert summary["coverage"]["checked_must"] == 17
