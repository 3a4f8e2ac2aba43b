"""The pytest plugin: the suite inside an author's pytest run, writing what the CLI writes."""

import json

from conftest import BIN, built

pytest_plugins = ["pytester"]

AUTHOR_TEST = '''
import pytest

@pytest.mark.vault_requirement("PATH-015")
def test_config_reads_back(vault_mount):
    assert vault_mount.request("POST", "config", json={"username_prefix": "mine"}).status_code == 204
    assert vault_mount.request("GET", "config").json()["data"]["username_prefix"] == "mine"
'''


def test_pytest_run_gives_the_clis_outcomes_and_report(pytester, run_cli, tmp_path):
    built("reference-secrets")
    pytester.makepyfile(test_author=AUTHOR_TEST)
    report_dir = tmp_path / "from-pytest"
    result = pytester.runpytest_subprocess("--vault-plugin", str(BIN / "reference-secrets"),
                                           "--vault-plugin-type", "secret", "--vault-report-dir", str(report_dir),
                                           "-p", "no:cacheprovider", timeout=300)
    from_pytest = json.loads((report_dir / "report.json").read_text())
    cli = run_cli("certify", str(BIN / "reference-secrets"), "--type", "secret", "--runtime", "process",
                  "--report-dir", str(tmp_path / "from-cli"))
    outcomes = {r["id"]: r["outcome"] for r in from_pytest["results"]}
    assert outcomes == cli.outcomes(), "the pytest run and the CLI must reach the same outcome per requirement"
    assert from_pytest["schema"] == cli.report["schema"] and from_pytest["summary"] == cli.report["summary"]
    counts = result.parseoutcomes()
    passed = sum(o == "passed" for o in outcomes.values())
    assert counts.get("passed") == passed + 1, result.stdout.str()[-2000:]  # + the author's own test
    assert counts.get("failed", 0) == 0
    tied = next(r for r in from_pytest["results"] if r["id"] == "PATH-015")["evidence"]["user_tests"]
    assert tied == [{"requirement": "PATH-015", "test": "test_author.py::test_config_reads_back", "outcome": "passed"}]
    assert {"report.html", "summary.md", "junit.xml", "badge.svg"} <= {p.name for p in report_dir.iterdir()}


def test_a_failing_must_fails_its_item_and_a_should_xfails(pytester):
    result = pytester.runpytest_subprocess("--vault-plugin", str(built("mutant-plain-stderr")), "--vault-plugin-type",
                                           "secret", "--vault-runtime", "wire", "-k", "HS-011 or HS-003",
                                           "-p", "no:cacheprovider", timeout=300)
    result.assert_outcomes(passed=1, xfailed=1)  # HS-011 is a SHOULD the mutant breaks; HS-003 holds
    failing = pytester.runpytest_subprocess("--vault-plugin", str(built("mutant-core-version")), "--vault-plugin-type",
                                            "secret", "--vault-runtime", "wire", "-k", "HS-004",
                                            "-p", "no:cacheprovider", timeout=300)
    failing.assert_outcomes(failed=1)
    assert "HS-004 (MUST): expected" in failing.stdout.str()


def test_list_is_a_dry_run(pytester):
    result = pytester.runpytest_subprocess("--vault-plugin", str(BIN / "reference-secrets"), "--vault-list",
                                           "-p", "no:cacheprovider", timeout=120)
    assert result.parseoutcomes().get("skipped", 0) >= 80
