"""--baseline (conformance/report/baseline.py): reading a previous report, refusing one of another subject, and
what regressed, lost coverage, improved or got slower against it; on the recorded runs, one of which was made
with --baseline."""

from __future__ import annotations

import json

import pytest

from conformance.errors import UsageError
from conformance.report.baseline import (METRIC_NOISE, improvements, judge, load_baseline, lost_coverage,
                                         metric_regressions, refuse_other_subject, regressions)
from conformance.report.model import SCHEMA
from unit_samples import AUTH_WIRE, BASELINE, DATA, MUTANT, NO_MANIFEST, SECRETS, SHARD_HS, result, sample


def results_of(document: dict) -> list[dict]:
    return document["results"]


def test_the_recorded_baseline_run_found_what_the_functions_find():
    recorded = sample(BASELINE)["baseline"]
    assert recorded["path"].endswith("/report.json")
    assert regressions(sample(SECRETS), results_of(sample(BASELINE))) == recorded["regressions"] == [
        "LEASE-005", "LEASE-007"]
    assert lost_coverage(sample(SECRETS), results_of(sample(BASELINE))) == recorded["lost_coverage"] == [
        "LEASE-013", "VER-002"]
    assert improvements(sample(SECRETS), results_of(sample(BASELINE))) == recorded["improvements"] == []
    assert recorded["metric_regressions"] == [] and recorded["metrics_gate"] is False


def test_judge_builds_the_recorded_block():
    recorded = sample(BASELINE)["baseline"]
    block = judge(sample(SECRETS), recorded["path"], results_of(sample(BASELINE)), sample(BASELINE)["metrics"],
                  "process", gate_metrics=False)
    assert block == recorded


def test_judge_compares_metrics_only_within_one_runtime():
    baseline = sample(SECRETS)
    baseline["metrics"]["handshake_ms"] = 1.0
    now = {**sample(SECRETS)["metrics"], "handshake_ms": 100.0}  # grew by far more than the 50 ms noise
    assert judge(baseline, "b.json", results_of(sample(SECRETS)), now, "process", True)["metric_regressions"] == [
        f"handshake_ms: 1.0 -> {now['handshake_ms']} (+{(now['handshake_ms'] - 1) * 100:.0f}%)"]
    assert judge(baseline, "b.json", results_of(sample(SECRETS)), now, "wire", True)["metric_regressions"] == []


def test_what_passed_in_the_baseline_and_is_unchecked_now_is_lost_coverage():
    # the same plugin without its manifest: the lease and exercise MUSTs go unchecked
    lost = lost_coverage(sample(SECRETS), results_of(sample(NO_MANIFEST)))
    assert len(lost) == 20 and "LEASE-005" in lost and "PATH-008" in lost
    assert regressions(sample(SECRETS), results_of(sample(NO_MANIFEST))) == []


def test_what_failed_in_the_baseline_and_passes_now_is_an_improvement():
    assert improvements(sample(MUTANT), results_of(sample(SECRETS))) == ["LEASE-005", "LEASE-007"]
    assert regressions(sample(MUTANT), results_of(sample(SECRETS))) == []


def test_an_error_now_is_a_regression_and_an_error_before_can_improve():
    baseline, now = sample(SECRETS), sample(SECRETS)
    result(now, "HS-003")["outcome"] = "error"
    assert regressions(baseline, results_of(now)) == ["HS-003"]
    result(baseline, "HS-004")["outcome"] = "error"
    assert improvements(baseline, results_of(sample(SECRETS))) == ["HS-004"]


def test_skipped_now_is_lost_coverage_not_a_regression():
    now = sample(SECRETS)
    result(now, "LEASE-005")["outcome"] = "skipped"
    assert regressions(sample(SECRETS), results_of(now)) == []
    assert lost_coverage(sample(SECRETS), results_of(now)) == ["LEASE-005"]


def test_a_requirement_the_baseline_did_not_pass_cannot_regress():
    baseline = sample(SECRETS)
    baseline["results"] = [r for r in baseline["results"] if r["id"] != "LEASE-005"]
    result(baseline, "LEASE-007")["outcome"] = "skipped"
    assert regressions(baseline, results_of(sample(MUTANT))) == []
    assert lost_coverage(baseline, results_of(sample(MUTANT))) == ["LEASE-013", "VER-002"]


def test_regressions_are_sorted_ids():
    now = sample(SECRETS)
    for rid in ("TLS-001", "HS-011", "PATH-004"):
        result(now, rid)["outcome"] = "failed"
    assert regressions(sample(SECRETS), results_of(now)) == ["HS-011", "PATH-004", "TLS-001"]


@pytest.mark.parametrize("key, old, new, slower", [
    ("handshake_ms", 100.0, 149.0, False),  # less than +50%
    ("handshake_ms", 100.0, 151.0, True),  # +51%, and 51 ms more than the 50 ms of noise
    ("handshake_ms", 10.0, 55.0, False),  # +450%, but 45 ms is within the noise
    ("rpc_p50_ms", 10.0, 31.0, True),  # 21 ms over a noise of 20
    ("rpc_p50_ms", 10.0, 29.0, False),
    ("plugin_rss_mb", 40.0, 61.0, True),
    ("shutdown_ms", 50.0, 149.0, False),  # the noise of shutdown is 100 ms
    ("handshake_ms", 0.0, 500.0, False),  # nothing to compare with
    ("handshake_ms", None, 500.0, False),
    ("handshake_ms", 100.0, None, False),
    ("path_requests", 10, 100, False),  # a count, not a cost
])
def test_a_metric_is_slower_when_it_grew_by_half_and_beyond_the_noise(key, old, new, slower):
    found = metric_regressions({"metrics": {key: old}}, {key: new})
    assert bool(found) is slower


def test_a_slower_metric_is_described_with_both_figures():
    assert metric_regressions({"metrics": {"handshake_ms": 100.0, "rpc_p99_ms": 10.0}},
                              {"handshake_ms": 151.0, "rpc_p99_ms": 90.0}) == [
        "handshake_ms: 100.0 -> 151.0 (+51%)", "rpc_p99_ms: 10.0 -> 90.0 (+800%)"]
    assert set(METRIC_NOISE) < set(sample(SECRETS)["metrics"])


def test_a_baseline_without_metrics_has_no_slower_metric():
    assert metric_regressions({"results": []}, sample(SECRETS)["metrics"]) == []


def test_the_recorded_runs_are_not_slower_than_themselves():
    assert metric_regressions(sample(SECRETS), sample(SECRETS)["metrics"]) == []


def test_no_baseline_option_reads_nothing():
    assert load_baseline(None) is None


def test_a_recorded_report_is_a_baseline():
    loaded = load_baseline(str(DATA / SECRETS / "report.json"))
    assert loaded == sample(SECRETS) and loaded["schema"] == SCHEMA


@pytest.mark.parametrize("content, words", [
    (None, "cannot read baseline"),
    ("{not json", "is not JSON"),
    ('{"hello": 1}', f"is not a {SCHEMA} report"),
    ('[1, 2]', f"is not a {SCHEMA} report"),
    ('{"schema": "vault-plugin-conformance/report/v0", "results": []}', f"is not a {SCHEMA} report"),
    (f'{{"schema": "{SCHEMA}", "results": {{}}}}', f"is not a {SCHEMA} report"),
    (b"\xff\xfe\x00binary", "is not JSON"),
], ids=["missing", "not-json", "not-a-report", "a-list", "other-schema", "results-not-a-list", "binary"])
def test_a_bad_baseline_is_a_one_line_usage_error(tmp_path, content, words):
    path = tmp_path / "baseline.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(UsageError) as raised:
        load_baseline(str(path))
    message = str(raised.value)
    assert words in message and str(path) in message and "\n" not in message
    assert raised.value.exit_code == 2


def test_a_directory_is_not_a_baseline(tmp_path):
    with pytest.raises(UsageError, match="cannot read baseline"):
        load_baseline(str(tmp_path))


def test_the_baseline_block_of_the_recorded_run():
    block = sample(BASELINE)["baseline"]
    assert set(block) == {"path", "regressions", "lost_coverage", "improvements", "metric_regressions", "metrics_gate"}
    assert json.loads((DATA / "runs.json").read_text())[BASELINE]["exit_code"] == 1  # regressions fail the run


def test_a_baseline_of_the_same_subject_is_taken():
    refuse_other_subject(sample(SECRETS), "b.json", "reference-secrets", "secret", "openbao", "process")


@pytest.mark.parametrize("name, plugin_type, server, runtime, words", [
    ("mutant-revoke-does-nothing", "secret", "openbao", "process",
     "plugin 'reference-secrets' (this run: 'mutant-revoke-does-nothing')"),
    ("reference-secrets", "auth", "openbao", "process", "type 'secret' (this run: 'auth')"),
    ("reference-secrets", "secret", "vault", "process", "server 'openbao' (this run: 'vault')"),
    ("reference-secrets", "secret", "openbao", "docker", "runtime 'process' (this run: 'docker')"),
], ids=["plugin", "type", "server", "runtime"])
def test_a_baseline_of_another_subject_is_refused(name, plugin_type, server, runtime, words):
    with pytest.raises(UsageError) as raised:
        refuse_other_subject(sample(SECRETS), "b.json", name, plugin_type, server, runtime)
    message = str(raised.value)
    assert message.startswith("baseline b.json is of another ") and words in message
    assert message.endswith("give --baseline-any to compare anyway") and "\n" not in message


def test_a_wire_baseline_has_no_server_and_matches_a_wire_run_of_any_server():
    wire = sample(SHARD_HS)  # server kind "none", runtime wire
    refuse_other_subject(wire, "b.json", "reference-secrets", "secret", "openbao", "wire")
    refuse_other_subject(wire, "b.json", "reference-secrets", "secret", "vault", "wire")
    with pytest.raises(UsageError, match="runtime 'wire' \\(this run: 'process'\\)"):
        refuse_other_subject(wire, "b.json", "reference-secrets", "secret", "openbao", "process")
    refuse_other_subject(sample(AUTH_WIRE), "b.json", "reference-auth", "auth", "openbao", "wire")
