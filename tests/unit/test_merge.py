"""report.compare.merge and merge_shards: one report from recorded shards of one run."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import conformance
from conformance.report.compare import merge, merge_shards, run_identity, summarize
from unit_samples import (AUTH_WIRE, BASELINE, BEFORE_COVERAGE, DEADLINE, MUTANT, SECRETS, SHARD_HS,
                          SHARD_TLS_PATH, result, sample)

SCHEMA = json.loads((Path(conformance.__file__).parent / "schemas" / "report-v1.schema.json").read_text())


@pytest.fixture(scope="module")
def shards():
    return sample(SHARD_HS), sample(SHARD_TLS_PATH)


@pytest.fixture(scope="module")
def merged(shards):
    return merge(list(shards))


def test_a_requirement_checked_in_one_shard_keeps_that_result(shards, merged):
    hs, tls_path = shards
    for r in merged["results"]:
        checked = [s for s in (result(hs, r["id"]), result(tls_path, r["id"])) if s["outcome"] != "skipped"]
        if checked:
            assert r == checked[0], r["id"]
    assert result(merged, "HS-003")["outcome"] == "passed" and result(merged, "TLS-001")["outcome"] == "passed"


def test_the_merge_checks_what_either_shard_checked(shards, merged):
    checked = [{r["id"] for r in shard["results"] if r["outcome"] != "skipped"} for shard in shards]
    assert [m["checked"] for m in merged["merged_from"]] == [len(ids) for ids in checked]
    assert checked[0] & checked[1]  # the HS prerequisites of TLS and PATH ran in both
    summary = merged["summary"]
    assert {r["id"] for r in merged["results"] if r["outcome"] != "skipped"} == checked[0] | checked[1]
    assert (summary["total"], summary["failed"], summary["errors"], summary["verdict"]) == (
        89, 0, 0, "incomplete")  # PATH-008 and PATH-011 need [[exercise]]: neither shard had a manifest
    assert summary["passed"] == len(checked[0] | checked[1])
    assert summary["coverage"]["checked_must"] == sum(
        1 for r in merged["results"] if r["level"] == "MUST" and r["outcome"] != "skipped")
    assert summary["coverage"]["scope"].endswith("applicable MUSTs: selection, wire runtime")
    assert summary == summarize(merged["results"])
    assert "merge_conflicts" not in merged


def test_among_skips_the_real_reason_beats_not_selected(shards, merged):
    # PATH-001 needs a server: skipped for that reason in the -k PATH shard, "not selected" in the -k HS one
    assert result(shards[1], "PATH-005")["outcome"] == "passed"
    assert result(merged, "PATH-001")["message"] == "needs a real server; this run used --runtime wire"
    assert result(shards[0], "LEASE-001")["message"].startswith("not selected")
    assert result(merged, "LEASE-001")["message"].startswith("not selected")


def test_not_run_beats_not_selected_and_a_real_reason_beats_not_run():
    a, b, c = (sample(SHARD_HS) for _ in range(3))
    result(a, "LEASE-001")["message"] = "not selected: does not match -k 'HS'"
    result(b, "LEASE-001")["message"] = "not run: depends on PATH-008, which was skipped"
    result(c, "LEASE-001")["message"] = "no [lease] in the manifest"
    assert result(merge([a, b]), "LEASE-001")["message"].startswith("not run:")
    assert result(merge([a, b, c]), "LEASE-001")["message"] == "no [lease] in the manifest"


def test_results_are_in_catalog_order(shards, merged):
    assert [r["id"] for r in merged["results"]] == [r["id"] for r in shards[0]["results"]]


@pytest.mark.parametrize("first, second, kept", [
    ("passed", "failed", "failed"), ("failed", "passed", "failed"), ("failed", "error", "error"),
    ("passed", "error", "error"),
])
def test_conflicting_outcomes_keep_the_worse_and_say_so(first, second, kept):
    a, b = sample(SHARD_HS), sample(SHARD_HS)
    b["started_at"] = "2026-11-30T23:50:00.000001Z"
    result(a, "HS-004").update(outcome=first, message="first says")
    result(b, "HS-004").update(outcome=second, message="second says")
    merged = merge([a, b])
    r = result(merged, "HS-004")
    worse = "first says" if first == kept else "second says"
    assert r["outcome"] == kept
    assert r["message"] == (f"conflicting outcomes across the merged reports ({first} in report 1, {second} in "
                            f"report 2); kept the worse, {kept}: {worse}")
    assert merged["merge_conflicts"] == [{"id": "HS-004", "kept": kept, "outcomes": [
        {"report": 1, "started_at": a["started_at"], "outcome": first},
        {"report": 2, "started_at": b["started_at"], "outcome": second}]}]


def test_the_merged_report_is_a_valid_v1_report(merged):
    jsonschema.Draft202012Validator(SCHEMA).validate(merged)


def test_start_is_the_earliest_and_duration_the_sum(shards, merged):
    assert merged["started_at"] == min(s["started_at"] for s in shards) == shards[0]["started_at"]
    assert merged["duration_s"] == round(shards[0]["duration_s"] + shards[1]["duration_s"], 3)
    assert merge([shards[1], shards[0]])["started_at"] == shards[0]["started_at"]


def test_each_metric_is_the_first_measured_one():
    a, b = sample(SHARD_HS), sample(SHARD_TLS_PATH)
    a["metrics"]["rpc_p99_ms"] = None
    assert merge([a, b])["metrics"]["rpc_p99_ms"] == b["metrics"]["rpc_p99_ms"]
    assert merge([a, b])["metrics"]["handshake_ms"] == a["metrics"]["handshake_ms"]
    assert merge([a, b])["metrics"]["path_requests"] is None  # measured by neither (no server)


def test_processes_of_both_runs_once_each_in_start_order():
    secrets, late = sample(SECRETS), sample(DEADLINE)  # two process-runtime runs of one binary
    merged = merge([late, secrets, sample(SECRETS)])
    expected = {(p["pid"], p["started_at"]) for p in secrets["processes"] + late["processes"]}
    assert {(p["pid"], p["started_at"]) for p in merged["processes"]} == expected
    assert len(merged["processes"]) == len(expected) == 10
    assert [p["started_at"] for p in merged["processes"]] == sorted(p["started_at"] for p in merged["processes"])


def test_the_merged_verdict_is_computed_again():
    merged = merge([sample(SECRETS), sample(DEADLINE)])
    # the deadline run's errors were checked results, worse than the other run's passes
    errors = sum(r["outcome"] == "error" for r in sample(DEADLINE)["results"])
    assert merged["summary"]["verdict"] == "error" and merged["summary"]["errors"] == errors > 0
    # each of those errors met a pass of the same requirement in the other run
    assert sorted(c["id"] for c in merged["merge_conflicts"]) == sorted(
        r["id"] for r in sample(DEADLINE)["results"] if r["outcome"] == "error")
    assert {c["kept"] for c in merged["merge_conflicts"]} == {"error"}


def test_reports_of_different_plugins_or_runtimes_are_not_merged():
    with pytest.raises(ValueError, match="not of one plugin, server and runtime") as raised:
        merge([sample(SECRETS), sample(MUTANT)])
    assert "reference-secrets" in str(raised.value) and "mutant-revoke-does-nothing" in str(raised.value)
    wire = sample(SECRETS)
    wire["server"]["runtime"] = "wire"
    with pytest.raises(ValueError):
        merge([sample(SECRETS), wire])


def test_nothing_to_merge_is_an_error():
    with pytest.raises(ValueError, match="no reports given"):
        merge([])


def test_merge_leaves_its_inputs_alone():
    a, b = sample(SHARD_HS), sample(SHARD_TLS_PATH)
    merged = merge([a, b])
    result(merged, "HS-003")["evidence"]["touched"] = True
    merged["plugin"]["name"] = "changed"
    assert a == sample(SHARD_HS) and b == sample(SHARD_TLS_PATH)


def test_regressions_of_every_shard_are_kept():
    a, b = sample(BASELINE), sample(BASELINE)
    b["started_at"] = "2026-12-01T00:00:00.000001Z"
    b["baseline"]["regressions"] = ["HS-001", "LEASE-005"]
    assert merge([a, b])["baseline"]["regressions"] == ["HS-001", "LEASE-005", "LEASE-007"]


@pytest.mark.parametrize("key", ["lost_coverage", "improvements"])
def test_every_shards_baseline_findings_are_kept(key):
    a, b = sample(BASELINE), sample(BASELINE)
    unchecked = next(r["id"] for r in a["results"] if r["outcome"] == "skipped")
    a["baseline"][key] = []
    b["baseline"][key] = [unchecked]
    assert merge([a, b])["baseline"][key] == [unchecked]


def test_what_one_shard_lost_but_another_checked_is_not_lost():
    a, b = sample(BASELINE), sample(BASELINE)
    checked = next(r["id"] for r in a["results"] if r["outcome"] == "passed")
    a["baseline"]["lost_coverage"] = []
    b["baseline"]["lost_coverage"] = [checked]
    assert checked not in merge([a, b])["baseline"]["lost_coverage"]


def test_the_earliest_start_when_one_run_started_on_a_whole_second():
    a, b = sample(SHARD_HS), sample(SHARD_TLS_PATH)
    a["started_at"], b["started_at"] = "2026-11-30T23:43:50Z", "2026-11-30T23:43:50.500000Z"
    assert merge([b, a])["started_at"] == "2026-11-30T23:43:50Z"


def test_merge_shards_merges_only_reports_of_one_run_and_keeps_the_order_seen():
    documents = [sample(SHARD_HS), sample(SECRETS), sample(SHARD_TLS_PATH), sample(AUTH_WIRE)]
    out = merge_shards(documents)
    assert [d["plugin"]["name"] for d in out] == ["reference-secrets", "reference-secrets", "reference-auth"]
    assert len(out[0]["merged_from"]) == 2 and out[0]["server"]["runtime"] == "wire"
    assert out[1] is documents[1] and out[2] is documents[3]  # alone: passed through as they are


def test_run_identity_is_plugin_binary_server_and_runtime():
    assert run_identity(sample(SHARD_HS)) == run_identity(sample(SHARD_TLS_PATH))
    assert run_identity(sample(SECRETS)) == run_identity(sample(DEADLINE))
    assert run_identity(sample(SECRETS)) != run_identity(sample(SHARD_HS))  # process vs wire
    assert run_identity(sample(SECRETS)) == ("reference-secrets", sample(SECRETS)["plugin"]["sha256"], None,
                                             "openbao", "2.7.2", "process")


def test_a_skip_keeps_its_kind_and_remedy_through_the_merge(merged):
    path = result(merged, "PATH-008")
    assert (path["skip_kind"], path["how"]) == ("needs-manifest", "add [[exercise]] to the manifest (docs/manifest.md)")
    assert result(merged, "DB-001")["skip_kind"] in ("not-applicable", "not-selected")


def test_a_report_made_before_coverage_merges_with_one_made_after():
    old, new = sample(BEFORE_COVERAGE), sample(SHARD_TLS_PATH)
    merged = merge([old, new])  # one plugin binary, no server, wire runtime: the same run identity
    assert len(merged["merged_from"]) == 2 and merged["summary"]["passed"] == 21
    assert "coverage" in merged["summary"]
