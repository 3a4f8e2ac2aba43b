"""--runtime docker: the real server in a container (built FROM scratch here), cleaned up whatever happens."""

import os
import subprocess

import docker
import pytest

from conformance.runtime.servers.docker import LABEL_OWNER, LABEL_RUN, server_image
from conformance.runtime.servers.locate import locate_server

from conftest import MANIFESTS, assert_nothing_left, interrupted_runs, service_absent

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def docker_api():
    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except docker.errors.DockerException as error:
        service_absent(f"no Docker daemon answers ({error})")
    yield client
    client.close()


def suite_containers(client, owner: int | None = None) -> list:
    """The suite's containers, or only those of one certify process (tests run in parallel)."""
    label = f"{LABEL_OWNER}={owner}" if owner else LABEL_RUN
    return client.containers.list(all=True, filters={"label": label})


def certify(run_cli, tmp_path, *extra):
    return run_cli("certify", "--manifest", str(MANIFESTS / "reference-secrets.toml"),
                   "--report-dir", str(tmp_path / f"report{len(list(tmp_path.glob('report*')))}"), *extra)


@pytest.mark.parametrize("version", ["2.6.1", "2.7.2"])
def test_docker_gives_the_same_outcomes_as_process(run_cli, tmp_path, docker_api, version):
    in_docker = certify(run_cli, tmp_path, "--runtime", "docker", "--server-version", version)
    assert in_docker.returncode == 0, in_docker.stdout + in_docker.stderr
    server = in_docker.report["server"]
    assert (server["runtime"], server["kind"], server["version"]) == ("docker", "openbao", version)
    as_process = certify(run_cli, tmp_path, "--runtime", "process", "--server-version", version)
    assert in_docker.outcomes() == as_process.outcomes()
    assert_nothing_left(in_docker)


@pytest.mark.parametrize("reference", ["reference-secrets", "reference-auth"])
def test_lifecycle_areas_pass_in_docker(run_cli, tmp_path, docker_api, reference):
    """Issue 7: shutdown, versions and multiplexing pass for both references with the server in a container."""
    run = run_cli("certify", "--manifest", str(MANIFESTS / f"{reference}.toml"), "--runtime", "docker",
                  "-k", "shutdown or versions or multiplexing or PATH-017 or PATH-023", "--report-dir", str(tmp_path / "r"))
    assert run.returncode == 0, run.stdout + run.stderr
    results = {r["id"]: r for r in run.report["results"]}
    lifecycle = [r for r in results.values() if r["area"] in ("shutdown", "versions", "multiplexing")]
    assert not [r["id"] for r in lifecycle if r["outcome"] in ("failed", "error")]
    for must_run in ("SHUT-004", "SHUT-005", "SHUT-006", "SHUT-007", "SHUT-008", "SHUT-010", "VER-003", "PATH-017", "PATH-023"):
        assert results[must_run]["outcome"] == "passed", (must_run, results[must_run]["message"])
    assert run.report["metrics"]["shutdown_ms"] is not None
    assert run.report["multiplexing"]["served_as"] == "one process for all mounts"
    assert_nothing_left(run)


def test_auto_picks_docker_when_a_daemon_answers(run_cli, tmp_path, docker_api):
    run = certify(run_cli, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.report["server"]["runtime"] == "docker"


def test_dynamically_linked_plugin_is_refused_for_docker(run_cli, docker_api):
    dynamic = os.path.realpath("/bin/ls")  # an ELF for this machine, linked against libc
    run = run_cli("certify", dynamic, "--type", "secret", "--runtime", "docker")
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1 and "dynamically linked" in run.stderr
    assert "--runtime process" in run.stderr and "CGO_ENABLED=0" in run.stderr


def test_interrupted_runs_leave_nothing(tmp_path, private_tmpdir, docker_api):
    """Runs (VPC_INTERRUPTED_RUNS, 8 by default), each interrupted at a random moment (some twice): no container,
    no process, no file survives."""
    images_before = {i.id for i in docker_api.images.list()}
    for attempt, outcome in enumerate(interrupted_runs("docker", tmp_path, private_tmpdir)):
        assert suite_containers(docker_api, owner=outcome.pid) == [], f"attempt {attempt}: a container survived"
    assert {i.id for i in docker_api.images.list()} <= images_before | {
        i.id for i in docker_api.images.list(filters={"label": "vault-plugin-conformance.server-image"})}


def test_cleanup_command_removes_what_a_killed_run_left(run_cli, docker_api):
    gone = subprocess.Popen(["true"])  # a process that has exited: the owner of a killed run
    gone.wait()
    image = server_image(docker_api, locate_server("openbao", None, None), None)
    left = docker_api.containers.create(image, command=["version"],
                                        labels={LABEL_RUN: "killed-run", LABEL_OWNER: str(gone.pid)})
    live = docker_api.containers.create(image, command=["version"],
                                        labels={LABEL_RUN: "live-run", LABEL_OWNER: str(os.getpid())})
    try:
        run = run_cli("cleanup")
        assert run.returncode == 0, run.stdout + run.stderr
        names = {c.id for c in suite_containers(docker_api)}
        assert left.id not in names, "the killed run's container is still there"
        assert live.id in names, "cleanup removed a container of a run that is still going"
    finally:
        live.remove(force=True)
