"""action.yml: it parses as a composite action, and its steps pass when played as a runner would."""

import subprocess
import sys

import yaml

from conftest import CLI_TIMEOUT_S, MANIFESTS, REPO


def test_action_yml_declares_a_composite_action():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert {"binary", "manifest", "type", "server-versions", "runtime", "report-dir"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    assert any(s.get("uses", "").startswith("actions/upload-artifact@") and s.get("if") == "always()" for s in steps)
    assert steps[-1]["run"].startswith("exit ") and steps[-1]["if"] == "always()", "the job fails last, after the upload"


def test_action_steps_pass_when_run_locally(tmp_path):
    workspace = tmp_path / "job"
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "run_action_locally.py"),
                           "--input", f"manifest={MANIFESTS / 'reference-secrets.toml'}", "--input", "runtime=wire",
                           "--workspace", str(workspace)], capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "job: passed" in done.stdout
    assert (workspace / "artifacts" / "conformance-report" / "openbao-2.7.2" / "report.json").is_file()
    assert "reference-secrets: conformant" in (workspace / "step_summary.md").read_text()
