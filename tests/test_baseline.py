"""--baseline: a requirement that passed in the baseline and fails now is a regression (exit 1), even a SHOULD."""

from conftest import MANIFESTS, assert_nothing_left


def test_should_regression_against_baseline_exits_1(run_cli, tmp_path):
    baseline = run_cli("certify", "--manifest", str(MANIFESTS / "reference-secrets.toml"), "--runtime", "wire",
                       "--report-dir", str(tmp_path / "baseline"))
    assert baseline.returncode == 0, baseline.stdout + baseline.stderr
    # mutant-no-help only breaks a SHOULD (PATH-002), so on its own it exits 0 ...
    args = ("certify", "--manifest", str(MANIFESTS / "mutant-no-help.toml"), "--runtime", "process")
    alone = run_cli(*args, "--report-dir", str(tmp_path / "alone"))
    assert alone.returncode == 0 and alone.outcomes()["PATH-002"] == "failed"
    # ... but PATH-002 was skipped in a wire baseline: not a regression either.
    against_wire = run_cli(*args, "--baseline", str(tmp_path / "baseline" / "report.json"),
                           "--report-dir", str(tmp_path / "wire-baseline"))
    assert against_wire.returncode == 0 and against_wire.report["baseline"]["regressions"] == []
    # Against a baseline where PATH-002 passed, it is a regression.
    passed = run_cli("certify", "--manifest", str(MANIFESTS / "reference-secrets.toml"), "--runtime", "process",
                     "--report-dir", str(tmp_path / "process-baseline"))
    regressed = run_cli(*args, "--baseline", str(tmp_path / "process-baseline" / "report.json"),
                        "--report-dir", str(tmp_path / "regressed"))
    assert regressed.returncode == 1, regressed.stdout
    assert regressed.report["baseline"]["regressions"] == ["PATH-002"]
    assert "REGRESSED since baseline: PATH-002" in regressed.stdout
    summary_md = (tmp_path / "regressed" / "summary.md").read_text()
    assert "## Regressions since the baseline (1)" in summary_md and "- **PATH-002** (SHOULD)" in summary_md
    assert summary_md.index("Regressions since the baseline") < summary_md.index("| area |")
    assert_nothing_left(regressed)
    assert passed.returncode == 0


def test_metric_worse_by_half_is_a_regression(run_cli, tmp_path):
    """A plugin that holds 320 MiB more than its baseline: PERF-004 regresses and so does plugin_rss_mb."""
    baseline = run_cli("certify", "--manifest", str(MANIFESTS / "reference-secrets.toml"), "--runtime", "wire",
                       "--report-dir", str(tmp_path / "baseline"))
    assert baseline.returncode == 0, baseline.stdout + baseline.stderr
    bloated = run_cli("certify", "--manifest", str(MANIFESTS / "mutant-bloated.toml"), "--runtime", "wire",
                      "--baseline", str(tmp_path / "baseline" / "report.json"), "--report-dir", str(tmp_path / "bloated"))
    assert bloated.returncode == 1, bloated.stdout
    block = bloated.report["baseline"]
    assert block["regressions"] == ["PERF-004"]
    assert "plugin_rss_mb" in [m.split(":")[0] for m in block["metric_regressions"]], block
    assert "SLOWER than the baseline (more than +50%): plugin_rss_mb" in bloated.stdout
    assert "Metrics worse than the baseline by more than 50%" in (tmp_path / "bloated" / "summary.md").read_text()
