"""--baseline: what passed there and fails now, or is unchecked now, is a regression (exit 1), even a SHOULD; a
baseline of another plugin is refused; metrics gate only when asked."""

from conftest import BIN, MANIFESTS, assert_nothing_left

REFERENCE = str(MANIFESTS / "reference-secrets.toml")


def test_should_regression_against_baseline_exits_1(run_cli, tmp_path):
    passed = run_cli("certify", "--manifest", REFERENCE, "--runtime", "process",
                     "--report-dir", str(tmp_path / "baseline"))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    # mutant-no-help breaks only a SHOULD (PATH-002): the reference's manifest and name, the mutant's binary.
    regressed = run_cli("certify", str(BIN / "mutant-no-help"), "--manifest", REFERENCE, "--name", "reference-secrets",
                        "--runtime", "process",
                        "--baseline", str(tmp_path / "baseline" / "report.json"),
                        "--report-dir", str(tmp_path / "regressed"))
    assert regressed.returncode == 1, regressed.stdout
    assert regressed.report["summary"]["verdict"] == "conformant"
    assert regressed.report["baseline"]["regressions"] == ["PATH-002"]
    # Without help there is no OpenAPI document: the derived requests (PATH-009...) are unchecked now, lost.
    assert "PATH-009" in regressed.report["baseline"]["lost_coverage"]
    assert "conformant, regressed against the baseline" in regressed.stdout  # the headline tells the exit code
    assert "REGRESSED since baseline: PATH-002" in regressed.stdout
    summary_md = (tmp_path / "regressed" / "summary.md").read_text()
    assert summary_md.startswith("# ❌ reference-secrets: conformant, regressed against the baseline")
    assert "## Regressions since the baseline (1)" in summary_md and "- **PATH-002** (SHOULD)" in summary_md
    assert summary_md.index("Regressions since the baseline") < summary_md.index("| area |")
    assert_nothing_left(regressed)


def test_a_baseline_of_another_plugin_is_refused_unless_asked(run_cli, tmp_path):
    baseline = run_cli("certify", "--manifest", REFERENCE, "--runtime", "wire", "-k", "HS-001",
                       "--report-dir", str(tmp_path / "baseline"))
    assert baseline.returncode == 0, baseline.stdout + baseline.stderr
    args = ("certify", "--manifest", str(MANIFESTS / "mutant-no-help.toml"), "--runtime", "wire", "-k", "HS-001",
            "--baseline", str(tmp_path / "baseline" / "report.json"))
    refused = run_cli(*args, "--report-dir", str(tmp_path / "refused"))
    assert refused.returncode == 2 and refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1 and "--baseline-any" in refused.stderr
    assert "plugin 'reference-secrets' (this run: 'mutant-no-help')" in refused.stderr
    anyway = run_cli(*args, "--baseline-any", "--report-dir", str(tmp_path / "anyway"))
    assert anyway.returncode == 0, anyway.stdout + anyway.stderr


def test_lost_coverage_is_a_regression(run_cli, tmp_path):
    """A baseline whose LEASE-005 passed, then a run without the manifest: exit 1, `lost coverage: LEASE-005`."""
    baseline = run_cli("certify", "--manifest", REFERENCE, "--runtime", "wire", "--report-dir", str(tmp_path / "b"))
    assert baseline.returncode == 0, baseline.stdout + baseline.stderr
    assert baseline.outcomes()["LEASE-008"] == "passed"
    bare = run_cli("certify", str(BIN / "reference-secrets"), "--type", "secret", "--runtime", "wire",
                   "--baseline", str(tmp_path / "b" / "report.json"), "--report-dir", str(tmp_path / "bare"))
    assert bare.returncode == 1, bare.stdout + bare.stderr
    assert bare.report["summary"]["verdict"] == "incomplete"
    lost = bare.report["baseline"]["lost_coverage"]
    assert "LEASE-008" in lost and "PATH-008" in lost
    assert "incomplete" in bare.stdout and "regressed against the baseline" in bare.stdout
    assert "LOST COVERAGE since baseline" in bare.stdout
    assert "**lost coverage:** " in (tmp_path / "bare" / "summary.md").read_text()


def test_metrics_gate_only_when_asked(run_cli, tmp_path):
    """A plugin that holds 320 MiB more than its baseline: plugin_rss_mb is reported either way; it fails the
    gate (with PERF-004's regression) only as a metric with --gate-metrics."""
    baseline = run_cli("certify", "--manifest", REFERENCE, "--runtime", "wire", "--report-dir", str(tmp_path / "b"))
    assert baseline.returncode == 0, baseline.stdout + baseline.stderr
    args = ("certify", str(BIN / "mutant-bloated"), "--manifest", REFERENCE, "--name", "reference-secrets",
            "--runtime", "wire",
            "--baseline", str(tmp_path / "b" / "report.json"))
    reported = run_cli(*args, "--report-dir", str(tmp_path / "reported"))
    block = reported.report["baseline"]
    assert block["regressions"] == ["PERF-004"] and block["metrics_gate"] is False
    assert "plugin_rss_mb" in [m.split(":")[0] for m in block["metric_regressions"]], block
    assert "reported only: --gate-metrics to gate" in reported.stdout
    gated = run_cli(*args, "--gate-metrics", "--report-dir", str(tmp_path / "gated"))
    assert gated.returncode == 1 and gated.report["baseline"]["metrics_gate"] is True
    assert "Metrics worse than the baseline by more than 50%" in (tmp_path / "gated" / "summary.md").read_text()
