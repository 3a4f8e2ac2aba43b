"""The reference secrets plugin passes every requirement against a real OpenBao, with sound reports."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conformance.catalog import REQUIREMENTS

from conftest import assert_nothing_left, run_cli_once

SCHEMA = json.loads((Path(__file__).parents[1] / "conformance/schemas/report-v1.schema.json").read_text())


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory, reference_secrets):
    yield from run_cli_once(tmp_path_factory, "certify", str(reference_secrets), "--type", "secret",
                            "--runtime", "process")


def test_reference_without_a_manifest_is_incomplete(reference_run):
    """Without a manifest nothing says which requests write state or issue a lease: the MUSTs that need them
    are unchecked, so the verdict is incomplete (exit 4), never conformant; each says what would check it."""
    assert reference_run.returncode == 4, reference_run.stdout + reference_run.stderr
    report = reference_run.report
    assert report["summary"]["verdict"] == "incomplete"
    results = {r["id"]: r for r in report["results"]}
    not_passed = {i: r["message"] for i, r in results.items() if r["outcome"] != "passed"}
    assert all(results[i]["outcome"] == "skipped" for i in not_passed)
    assert "[[exercise]]" in not_passed["PATH-008"] and "[[exercise]]" in not_passed["PATH-015"]
    assert "PATH-008" in not_passed["SEC-002"] and "SEC-002" in not_passed["MUX-001"]
    assert "[lease]" in not_passed["LEASE-003"] and "LEASE-003" in not_passed["LEASE-001"]
    assert "does not apply to secret plugins" in not_passed["PATH-019"]
    assert results["PATH-019"]["skip_kind"] == "not-applicable"
    coverage = report["summary"]["coverage"]
    waiting = {item["id"]: item for item in coverage["not_checked"]}
    assert waiting["LEASE-005"] == {"id": "LEASE-005", "kind": "needs-manifest",
                                    "how": "add [lease] to the manifest (docs/manifest.md)"}
    assert waiting["MUX-001"]["kind"] == "needs-manifest" and "[[exercise]]" in waiting["MUX-001"]["how"]
    assert coverage["checked_must"] + len(waiting) == coverage["applicable_must"] == 58
    assert "UNCHECKED MUST" in reference_run.stdout and "LEASE-005" in reference_run.stdout
    # What needs no manifest runs: the OpenAPI-derived requests and the path semantics among them.
    for req_id in ("PATH-001", "PATH-009", "PATH-010", "PATH-012", "PATH-013", "PATH-014", "PATH-018"):
        assert req_id not in not_passed, (req_id, not_passed.get(req_id))


def test_allow_incomplete_exits_0_and_keeps_the_verdict(run_cli, reference_secrets, tmp_path):
    run = run_cli("certify", str(reference_secrets), "--type", "secret", "--runtime", "wire", "-k", "PATH-008",
                  "--allow-incomplete", "--report-dir", str(tmp_path / "r"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.report["summary"]["verdict"] == "incomplete"
    assert "allowed (--allow-incomplete)" in run.stdout


def test_report_follows_the_contract(reference_run):
    report = reference_run.report
    jsonschema.validate(report, SCHEMA)
    assert [r["id"] for r in report["results"]] == [r.id for r in REQUIREMENTS]
    assert report["server"] == {"kind": "openbao", "version": report["server"]["version"], "runtime": "process"}
    assert report["server"]["version"].startswith("2.")
    summary = report["summary"]
    assert summary["total"] == len(REQUIREMENTS) == summary["passed"] + summary["failed"] + summary["skipped"] + summary["errors"]
    for result in report["results"]:
        if result["outcome"] == "passed":
            assert result["evidence"], f"{result['id']} passed without evidence"
    for key in ("handshake_ms", "first_request_ms", "rpc_p50_ms", "rpc_p99_ms", "shutdown_ms", "plugin_rss_mb"):
        assert isinstance(report["metrics"][key], (int, float)) and report["metrics"][key] > 0, key


def test_junit_names_carry_requirement_ids(reference_run):
    tree = ET.parse(reference_run.report_dir / "junit.xml")
    names = [case.get("name") for case in tree.iter("testcase")]
    assert sorted(n.split()[0] for n in names) == sorted(r.id for r in REQUIREMENTS)
    assert tree.getroot().get("failures") == "0"


def test_logs_are_written_and_hold_no_secret(reference_run):
    server_log = (reference_run.report_dir / "server.log").read_text()
    assert "Root Token: <redacted>" in server_log
    assert "Unseal Key: <redacted>" in server_log
    assert "reference-secrets" in server_log
    assert "This binary is a plugin" in (reference_run.report_dir / "plugin.log").read_text()


def test_nothing_left_behind(reference_run):
    assert_nothing_left(reference_run)


def test_summary_markdown_is_short_and_complete(reference_run, run_cli):
    summary = (reference_run.report_dir / "summary.md").read_text()
    assert summary.startswith("# 🟡 reference-secrets: incomplete, 20 MUSTs unchecked")
    assert "## Unchecked MUST requirements (20): needs-manifest" in summary
    lease_line = next(line for line in summary.splitlines() if line.startswith("- add [lease] to the manifest"))
    assert "**LEASE-005**" in lease_line
    assert all(f"| {area} |" in summary for area in {r.area for r in REQUIREMENTS})  # a row per area
    assert "http" not in summary and len(summary.splitlines()) < 40  # link-free, fits a pull request comment
    rendered = run_cli("report", str(reference_run.report_dir / "report.json"), "--format", "markdown")
    assert rendered.returncode == 0 and rendered.stdout == summary
