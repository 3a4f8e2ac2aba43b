"""Database plugins against a real Redis: the reference and hashicorp's redis plugin, in both server runtimes."""

import sys

import pytest

from conftest import MANIFESTS, REPO, assert_nothing_left, built, redis_server_missing, service_absent

sys.path.insert(0, str(REPO / "plugins_under_test" / "tools"))
from redis_db import disposable_redis  # noqa: E402


def docker_answers() -> bool:
    try:
        import docker
        client = docker.from_env(timeout=10)
        client.ping()
        client.close()
        return True
    except Exception:  # noqa: BLE001 - any failure: no daemon
        return False


@pytest.fixture
def redis_env(monkeypatch):
    if redis_server_missing():
        service_absent("redis-server is not installed (the database plugins are certified against a real Redis)")
    with disposable_redis() as env:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        yield env


@pytest.mark.parametrize("runtime", ["process", pytest.param("docker", marks=pytest.mark.docker)])
@pytest.mark.parametrize("plugin", ["reference-database", "vault-plugin-database-redis"])
def test_database_plugin_certifies_against_real_redis(run_cli, tmp_path, redis_env, plugin, runtime):
    if runtime == "docker" and not docker_answers():
        service_absent("no Docker daemon answers")
    built(plugin)
    run = run_cli("certify", "--manifest", str(MANIFESTS / f"{plugin}.toml"), "--runtime", runtime,
                  "--report-dir", str(tmp_path / "report"))
    assert run.returncode == 0, run.stdout + run.stderr
    results = {r["id"]: r for r in run.report["results"]}
    checked = [i for i, r in results.items() if r["area"] == "database" and r["outcome"] == "passed"]
    assert len(checked) >= 10, (checked, run.stdout)
    revoked = results["DB-011"]["evidence"]
    assert "WRONGPASS" in revoked["revoked_user_login"], revoked  # the database itself refused the revoked user
    text = (run.report_dir / "report.json").read_text() + (run.report_dir / "server.log").read_text()
    for secret in (redis_env["VPC_REDIS_ROOT_PASSWORD"], redis_env["VPC_REDIS_OBSERVER_PASSWORD"],
                   redis_env["VPC_REDIS_STATIC_PASSWORD"]):
        assert secret not in text
    assert_nothing_left(run)


def test_a_database_plugin_without_a_manifest_is_incomplete_not_an_error(run_cli, tmp_path):
    """No [database]: nothing says how to reach the database, so the MUSTs that need it are unchecked with that
    remedy; the wire run still plays what needs no connection (it used to fail on the missing table)."""
    run = run_cli("certify", str(built("reference-database")), "--type", "database", "--runtime", "process",
                  "--report-dir", str(tmp_path / "r"))
    assert run.returncode == 4, run.stdout + run.stderr
    summary = run.report["summary"]
    assert summary["verdict"] == "incomplete" and summary["errors"] == 0
    kinds = {item["id"]: item for item in summary["coverage"]["not_checked"]}
    assert kinds["DB-002"]["kind"] == "needs-manifest" and "[database]" in kinds["DB-002"]["how"]
    assert run.outcomes()["DB-001"] == "passed"
    assert_nothing_left(run)
