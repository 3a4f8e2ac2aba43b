"""Computed manifest values reach the plugin, and never a report or log."""

from conftest import BIN, assert_nothing_left

SECRET = "vpc-computed-secret-7f3a9c"


def test_computed_values_are_used_and_redacted(run_cli, tmp_path):
    (tmp_path / "prefix.txt").write_text(SECRET + "\n")
    manifest = tmp_path / "m.toml"
    manifest.write_text(f'''
[plugin]
binary = "{BIN / 'reference-secrets'}"
type = "secret"

[[exercise]]
operation = "update"
path = "config"
data = {{ username_prefix = {{ file = "prefix.txt" }}, password_length = {{ command = ["printf", "20"] }} }}

[[exercise]]
operation = "read"
path = "config"
''')
    run = run_cli("certify", "--manifest", str(manifest), "--runtime", "process", "-k", "PATH-015",
                  "--report-dir", str(tmp_path / "report"))
    assert run.returncode == 0, run.stdout + run.stderr
    outcomes = run.outcomes()
    assert outcomes["PATH-015"] == "passed", run.stdout  # the file's text was written and read back
    for written in (tmp_path / "report").iterdir():
        assert SECRET not in written.read_text(), f"{written.name} shows a computed value"
    assert "<redacted>" in (tmp_path / "report" / "report.json").read_text()
    assert_nothing_left(run)
