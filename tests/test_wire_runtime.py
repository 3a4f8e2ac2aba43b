"""--runtime wire: the suite's own host certifies the reference plugin, with no server."""

import pytest

from conftest import MANIFESTS, assert_nothing_left, run_cli_once


@pytest.fixture(scope="module")
def wire_run(tmp_path_factory, reference_secrets):
    yield from run_cli_once(tmp_path_factory, "certify", "--manifest", str(MANIFESTS / "reference-secrets.toml"),
                            "--runtime", "wire")


def test_wire_run_is_conformant_without_a_server(wire_run):
    assert wire_run.returncode == 0, wire_run.stdout + wire_run.stderr
    report = wire_run.report
    assert report["server"] == {"kind": "none", "version": None, "runtime": "wire"}
    assert report["summary"]["verdict"] == "conformant"
    coverage = report["summary"]["coverage"]
    # Conformant within its scope, and saying so: the MUSTs that need a server were left out by the runtime.
    assert coverage["scope"].endswith("applicable MUSTs: wire runtime") and coverage["applicable_must"] == 58
    assert coverage["checked_must"] == coverage["selected_must"] < 58
    assert "wire runtime" in wire_run.stdout
    for result in report["results"]:
        if result["outcome"] == "skipped":
            assert any(why in result["message"] for why in ("needs a real server", "[[exercise]]", "[lease]", "depends on",
                                                            "does not apply")), result
        else:
            assert result["outcome"] == "passed", result


def test_wire_run_passes_fifteen_handshake_and_tls_requirements_with_evidence(wire_run):
    passed = [r for r in wire_run.report["results"]
              if r["area"] in ("handshake", "tls") and r["outcome"] == "passed"]
    assert len(passed) >= 15
    assert all(r["evidence"] for r in passed)


def test_wire_evidence_has_the_rpc_transcript_and_certificate(wire_run):
    results = {r["id"]: r for r in wire_run.report["results"]}
    transcript = results["PATH-007"]["evidence"]["wire_transcript"]
    assert transcript[0].startswith("MultiplexingSupport") and any(t.startswith("Setup ok") for t in transcript)
    assert results["HS-008"]["evidence"]["server_certificate"]["key_type"].startswith("ECDSA")
    metrics = wire_run.report["metrics"]
    assert all(isinstance(metrics[k], (int, float)) for k in metrics if k != "path_requests"), metrics
    assert metrics["path_requests"] is None  # no server, no request through one


def test_wire_run_leaves_nothing(wire_run):
    assert_nothing_left(wire_run)
