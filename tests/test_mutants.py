"""Every plugin under test gets the verdict its manifest expects, flagged for the right requirements."""

import contextlib
import sys
import tomllib

import pytest

from conformance.catalog import BY_ID, Level
from conformance.manifest import load_manifest

from conftest import MANIFESTS, REPO, assert_nothing_left, built, redis_server_missing, service_absent

sys.path.insert(0, str(REPO / "plugins_under_test" / "tools"))
from redis_db import disposable_redis  # noqa: E402

pytestmark = pytest.mark.slow

MANIFEST_FILES = sorted(p for p in MANIFESTS.glob("*.toml") if not p.name.startswith("hostile-"))  # test_hostile's
# Built only where a source checkout is at hand: the module proxy refuses the module (plugins_under_test/build).
OPTIONAL_BINARIES = {"vault-auth-plugin-example"}


@pytest.fixture
def database_for(monkeypatch):
    """A disposable Redis for a database plugin's manifest (its VPC_REDIS_* variables set), else nothing."""
    @contextlib.contextmanager
    def provide(manifest_path):
        if tomllib.loads(manifest_path.read_text()).get("plugin", {}).get("type") != "database":
            yield
            return
        if redis_server_missing():
            service_absent("redis-server is not installed (database plugins are certified against a real Redis)")
        with disposable_redis() as env:
            for key, value in env.items():
                monkeypatch.setenv(key, value)
            yield
    return provide


@pytest.mark.parametrize("manifest_path", MANIFEST_FILES, ids=[p.stem for p in MANIFEST_FILES])
def test_plugin_under_test_gets_expected_verdict(run_cli, tmp_path, manifest_path, database_for):
    with database_for(manifest_path):
        _certify_and_judge(run_cli, tmp_path, manifest_path)


def _certify_and_judge(run_cli, tmp_path, manifest_path):
    manifest = load_manifest(manifest_path)
    if manifest.binary.name in OPTIONAL_BINARIES and not manifest.binary.exists():
        pytest.skip(f"{manifest.binary.name} was not built: the module proxy refuses it and no source checkout was found")
    built(manifest.binary.name)
    run = run_cli("certify", "--manifest", str(manifest_path), "--runtime", manifest.expect.runtime,
                  "--report-dir", str(tmp_path / "report"))
    expect = manifest.expect
    report = run.report
    outcomes = run.outcomes()
    assert report["summary"]["verdict"] == expect.verdict, run.stdout
    assert run.returncode == expect.exit_code, run.stdout + run.stderr
    for req_id in expect.failing:
        assert outcomes[req_id] == "failed", f"{req_id} not flagged: {outcomes[req_id]}\n{run.stdout}"
        assert req_id in run.stdout, "the CLI must name the broken requirement"
        message = next(r["message"] for r in report["results"] if r["id"] == req_id)
        assert req_id in message and "expected" in message and "saw" in message, message
    unexpected = [i for i, o in outcomes.items() if o in ("failed", "error") and i not in expect.failing
                  and (o == "error" or BY_ID[i].level is Level.MUST)]
    assert unexpected == [], run.stdout
    if expect.verdict != "non-conformant" and expect.runtime == "process" and manifest.plugin_type != "database":
        assert report["metrics"]["path_requests"] >= 20, "the paths area must send at least 20 checked requests"
    assert_nothing_left(run)
