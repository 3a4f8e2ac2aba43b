"""report.json's shape as report.model builds it: Report.as_dict, Result.as_dict and the evidence bound
(outcomes.bounded)."""

from __future__ import annotations

import datetime as dt

import pytest

import conformance
from conformance.catalog import BY_ID, Level
from conformance.outcomes import MAX_EVIDENCE_STRING, Outcome, SkipKind, bounded
from conformance.report.model import METRIC_KEYS, SCHEMA, Report, Result
from unit_samples import NO_MANIFEST, SECRETS, requirement, sample

REQ = requirement("LEASE-901", Level.SHOULD, "Leases SHOULD be made here.")


def report(**overrides) -> Report:
    values = dict(plugin={"name": "p", "type": "secret", "path": "/p", "sha256": "0" * 64, "version": None},
                  server={"kind": "none", "version": None, "runtime": "wire"},
                  started_at=dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.timezone.utc),
                  duration_s=1.23456, results=[Result(REQ, Outcome.PASSED, "ok", 0.123456)], metrics={})
    values.update(overrides)
    return Report(**values)


def test_the_document_carries_schema_tool_and_the_required_blocks_in_order():
    document = report().as_dict()
    assert list(document) == ["schema", "tool", "plugin", "server", "started_at", "duration_s", "summary",
                              "results", "metrics"]
    assert document["schema"] == SCHEMA == "vault-plugin-conformance/report/v1"
    assert document["tool"] == {"name": "vault-plugin-conformance", "version": conformance.__version__}


def test_started_at_is_utc_with_a_z():
    cest = dt.timezone(dt.timedelta(hours=2))
    document = report(started_at=dt.datetime(2026, 6, 1, 12, 0, 0, 250000, tzinfo=cest)).as_dict()
    assert document["started_at"] == "2026-06-01T10:00:00.250000Z"


def test_durations_are_rounded():
    document = report().as_dict()
    assert document["duration_s"] == 1.235
    assert document["results"][0]["duration_s"] == 0.1235


def test_metrics_hold_exactly_the_schema_keys():
    document = report(metrics={"handshake_ms": 12.5, "invented_ms": 3.0}).as_dict()
    assert list(document["metrics"]) == list(METRIC_KEYS)
    assert document["metrics"]["handshake_ms"] == 12.5
    assert all(document["metrics"][k] is None for k in METRIC_KEYS if k != "handshake_ms")


@pytest.mark.parametrize("field, value, present", [
    ("processes", None, False), ("processes", [], True),
    ("multiplexing", None, False), ("multiplexing", {}, False), ("multiplexing", {"reported": True}, True),
    ("timings", None, False), ("timings", {"checks_s": 1.0}, True),
    ("baseline", None, False), ("baseline", {"path": "b.json", "regressions": []}, True),
])
def test_optional_blocks(field, value, present):
    document = report(**{field: value}).as_dict()
    assert (field in document) is present
    if present:
        assert document[field] == value


def test_a_result_takes_id_level_area_and_title_from_its_requirement():
    assert Result(REQ, Outcome.FAILED, "LEASE-901 (SHOULD): expected x; saw y", 2.0, {"k": 1}).as_dict() == {
        "id": "LEASE-901", "level": "SHOULD", "area": "leases", "title": "Leases SHOULD be made here.",
        "outcome": "failed", "message": "LEASE-901 (SHOULD): expected x; saw y", "duration_s": 2.0,
        "evidence": {"k": 1}}


def test_a_skipped_result_says_its_kind_and_what_would_check_it():
    needs = Result(REQ, Outcome.SKIPPED, "no [lease]", skip_kind=SkipKind.NEEDS_MANIFEST,
                   how="add [lease] to the manifest").as_dict()
    assert (needs["skip_kind"], needs["how"]) == ("needs-manifest", "add [lease] to the manifest")
    plain = Result(REQ, Outcome.SKIPPED, "depends on X").as_dict()
    assert plain["skip_kind"] == "blocked" and "how" not in plain  # a skip without a kind is blocked
    passed = Result(REQ, Outcome.PASSED, "ok", skip_kind=SkipKind.NOT_SELECTED, how="x").as_dict()
    assert "skip_kind" not in passed and "how" not in passed  # only skipped results carry them


def test_a_recorded_run_is_rebuilt_result_by_result():
    document = sample(NO_MANIFEST)
    rebuilt = [Result(BY_ID[r["id"]], Outcome(r["outcome"]), r["message"], r["duration_s"], r["evidence"],
                      SkipKind(r["skip_kind"]) if "skip_kind" in r else None, r.get("how")).as_dict()
               for r in document["results"]]
    keys = ("id", "level", "area", "outcome", "message", "duration_s", "evidence", "skip_kind", "how")
    assert [{k: r.get(k) for k in keys} for r in rebuilt] == [{k: r.get(k) for k in keys} for r in document["results"]]


def test_bounded_keeps_a_string_at_the_limit_and_cuts_one_past_it():
    assert bounded("x" * MAX_EVIDENCE_STRING) == "x" * MAX_EVIDENCE_STRING
    cut = bounded("y" * (MAX_EVIDENCE_STRING + 10))
    assert cut == "y" * MAX_EVIDENCE_STRING + "… [10 more characters left out]"


def test_bounded_walks_dicts_lists_and_tuples_and_leaves_other_values():
    big = "z" * (MAX_EVIDENCE_STRING * 2)
    value = bounded({"a": [big, ("t", big)], "n": 7, "none": None, "f": 1.5})
    assert value["a"][0].endswith(f"[{MAX_EVIDENCE_STRING} more characters left out]")
    assert value["a"][1] == ["t", value["a"][0]]
    assert (value["n"], value["none"], value["f"]) == (7, None, 1.5)


def test_a_result_bounds_its_evidence():
    result = Result(REQ, Outcome.PASSED, "ok", evidence={"answer": "a" * 100_000}).as_dict()
    assert len(result["evidence"]["answer"]) < MAX_EVIDENCE_STRING + 60
    assert "95904 more characters left out" in result["evidence"]["answer"]


def test_no_recorded_evidence_string_is_longer_than_the_bound():
    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    longest = max(len(s) for r in sample(SECRETS)["results"] for s in strings(r["evidence"]))
    assert 0 < longest <= MAX_EVIDENCE_STRING + len("… [999999 more characters left out]")
