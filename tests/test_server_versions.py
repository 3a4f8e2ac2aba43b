"""The server matrix: the reference plugin gets the same outcome for every requirement on OpenBao 2.6.1 and 2.7.2."""

import pytest

from conftest import MANIFESTS, assert_nothing_left

VERSIONS = ("2.6.1", "2.7.2")


@pytest.mark.parametrize("version", VERSIONS)
def test_reference_on_each_server_version(run_cli, tmp_path, version):
    run = run_cli("certify", "--manifest", str(MANIFESTS / "reference-secrets.toml"), "--runtime", "process",
                  "--server-version", version, "--report-dir", str(tmp_path / "report"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.report["server"] == {"kind": "openbao", "version": version, "runtime": "process"}
    reasons = {r["id"]: r["message"] for r in run.report["results"] if r["outcome"] != "passed"}
    # Everything that applies to a secrets engine passes; the auth-method requirements are skipped as such.
    assert all("does not apply to secret plugins" in why for why in reasons.values()), reasons
    assert_nothing_left(run)


def test_unknown_server_version_is_bad_input(run_cli, reference_secrets):
    run = run_cli("certify", str(reference_secrets), "--type", "secret", "--server-version", "0.0.1")
    assert run.returncode == 2, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "0.0.1" in run.stderr, run.stderr
