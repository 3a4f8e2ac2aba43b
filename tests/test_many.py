"""certify with several manifests: one worker per plugin (--jobs at a time), each report, then one matrix."""

from conftest import MANIFESTS, assert_nothing_left


def test_several_plugins_in_parallel_then_a_matrix(run_cli, tmp_path):
    root = tmp_path / "many"
    run = run_cli("certify", "--manifest", str(MANIFESTS / "reference-secrets.toml"),
                  "--manifest", str(MANIFESTS / "mutant-ignores-cleanup.toml"), "--runtime", "wire", "--jobs", "2",
                  "--report-dir", str(root))
    # The mutant breaks only a SHOULD, but its manifest has no [[exercise]]: incomplete (4), the most serious here.
    assert run.returncode == 4, run.stdout + run.stderr
    assert "reference-secrets: conformant" in run.stdout and "FAILED SHUT-009 (SHOULD)" in run.stdout
    assert "mutant-ignores-cleanup: incomplete" in run.stdout
    for name in ("reference-secrets", "mutant-ignores-cleanup"):
        assert (root / name / "report.json").is_file()
    matrix = (root / "matrix.md").read_text()
    assert "SHUT-009" in matrix and (root / "matrix.html").is_file()
    assert_nothing_left(run)


def test_one_plugin_options_are_refused_with_several(run_cli, tmp_path):
    run = run_cli("certify", "--manifest", str(MANIFESTS / "reference-secrets.toml"),
                  "--manifest", str(MANIFESTS / "reference-auth.toml"), "--baseline", "x.json",
                  "--report-dir", str(tmp_path / "r"))
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "--baseline applies to one plugin" in run.stderr
