"""The verdict and the summary counts (report.model.Report.summary, report.compare.summarize) and the exit
code a verdict gives (certify._exit_code), on recorded runs and on results made here."""

from __future__ import annotations

import datetime as dt

import pytest

from conformance.catalog import BY_ID, Level
from conformance.certify import _exit_code
from conformance.outcomes import Outcome
from conformance.report.compare import summarize
from conformance.report.model import Report, Result
from unit_samples import DEADLINE, MUTANT, RUNS, SAMPLES, SECRETS, requirement, sample


def results_of(document: dict) -> list[Result]:
    """The recorded results as the model's Result objects (the requirement from the catalog)."""
    return [Result(BY_ID[r["id"]], Outcome(r["outcome"]), r["message"], r["duration_s"], r["evidence"])
            for r in document["results"]]


def report_of(results: list[Result]) -> Report:
    return Report(plugin={}, server={}, started_at=dt.datetime.now(dt.timezone.utc), duration_s=0.0,
                  results=results, metrics={})


def made(*pairs: tuple[Level, Outcome]) -> list[Result]:
    return [Result(requirement(f"HS-{900 + i}", level), outcome, "m") for i, (level, outcome) in enumerate(pairs)]


@pytest.mark.parametrize("name", SAMPLES)
def test_the_summary_recomputed_from_a_recorded_run_is_the_one_it_wrote(name):
    document = sample(name)
    assert report_of(results_of(document)).summary() == document["summary"]


def test_summarize_of_report_dicts_agrees_with_the_model_on_every_recorded_run():
    for name in SAMPLES:
        document = sample(name)
        assert summarize(document["results"]) == report_of(results_of(document)).summary(), name


@pytest.mark.parametrize("name", SAMPLES)
def test_the_counts_of_a_recorded_run_add_up_to_its_results(name):
    summary = sample(name)["summary"]
    assert summary["passed"] + summary["failed"] + summary["skipped"] + summary["errors"] == summary["total"] == 89
    assert summary["must_failed"] <= summary["failed"]


def test_the_recorded_verdicts():
    assert sample(SECRETS)["summary"] == {"total": 89, "passed": 69, "failed": 0, "skipped": 20, "errors": 0,
                                          "must_failed": 0, "verdict": "conformant"}
    mutant = sample(MUTANT)["summary"]
    assert (mutant["verdict"], mutant["failed"], mutant["must_failed"]) == ("non-conformant", 2, 2)
    late = sample(DEADLINE)["summary"]
    assert (late["verdict"], late["errors"], late["must_failed"]) == ("error", 32, 0)


@pytest.mark.parametrize("pairs, verdict, must_failed", [
    ([], "conformant", 0),
    ([(Level.MUST, Outcome.PASSED), (Level.SHOULD, Outcome.PASSED)], "conformant", 0),
    ([(Level.MUST, Outcome.SKIPPED), (Level.SHOULD, Outcome.SKIPPED)], "conformant", 0),
    ([(Level.MUST, Outcome.PASSED), (Level.SHOULD, Outcome.FAILED)], "conformant", 0),
    ([(Level.MAY, Outcome.FAILED)], "conformant", 0),
    ([(Level.MUST, Outcome.FAILED), (Level.SHOULD, Outcome.PASSED)], "non-conformant", 1),
    ([(Level.SHOULD, Outcome.ERROR), (Level.MUST, Outcome.PASSED)], "error", 0),
    ([(Level.MUST, Outcome.FAILED), (Level.MUST, Outcome.ERROR), (Level.MUST, Outcome.FAILED)], "error", 2),
], ids=["nothing", "all-passed", "all-skipped", "should-failed", "may-failed", "must-failed", "an-error",
        "error-wins-over-must-failed"])
def test_verdict_rules(pairs, verdict, must_failed):
    summary = report_of(made(*pairs)).summary()
    assert (summary["verdict"], summary["must_failed"]) == (verdict, must_failed)
    assert summarize([r.as_dict() for r in made(*pairs)])["verdict"] == verdict


def test_counts_by_outcome():
    outcomes = [Outcome.PASSED] * 3 + [Outcome.FAILED] * 2 + [Outcome.SKIPPED] * 4 + [Outcome.ERROR]
    summary = report_of(made(*[(Level.SHOULD, o) for o in outcomes])).summary()
    assert summary == {"total": 10, "passed": 3, "failed": 2, "skipped": 4, "errors": 1, "must_failed": 0,
                       "verdict": "error"}


@pytest.mark.parametrize("name", SAMPLES)
def test_the_exit_code_of_a_recorded_run_follows_from_its_report(name):
    document = sample(name)
    baseline = document.get("baseline") or {}
    regressed = baseline.get("regressions", []) + baseline.get("metric_regressions", [])
    assert _exit_code(document, regressed) == RUNS[name]["exit_code"]


@pytest.mark.parametrize("summary, regressed, code", [
    ({"must_failed": 0, "errors": 0}, [], 0),
    ({"must_failed": 1, "errors": 0}, [], 1),
    ({"must_failed": 0, "errors": 2}, [], 3),
    ({"must_failed": 1, "errors": 2}, [], 1),  # a failed MUST is the plugin's fault: 1, even with errors
    ({"must_failed": 0, "errors": 0}, ["LEASE-005"], 1),  # a regression against --baseline
    ({"must_failed": 0, "errors": 0}, ["handshake_ms: 10 -> 100 (+900%)"], 1),  # a slower metric
], ids=["clean", "must-failed", "errors", "must-failed-and-errors", "regression", "metric-regression"])
def test_exit_codes(summary, regressed, code):
    assert _exit_code({"summary": summary}, regressed) == code
