"""The unit tier's own guard (unit_guard.py, conftest.py): it knows the forbidden programs, and its audit hook
really sees what a test starts (or every other test's clean record would prove nothing)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from unit_guard import Spawns, children, forbidden, program_of


@pytest.mark.parametrize("name", ["bao", "/usr/local/bin/bao", "vault", "reference-secrets", "mutant-never-exits",
                                  "hostile-crash-loop", "vault-plugin-auth-jwt", "docker", "go", b"/x/reference-auth"])
def test_servers_plugins_docker_and_go_are_forbidden(name):
    assert forbidden(name)


@pytest.mark.parametrize("name", ["python3", sys.executable, "sh", "true", "redis-cli", "vault-conformance",
                                  "gofmt", "", None])
def test_other_programs_are_not(name):
    assert not forbidden(name)


@pytest.mark.parametrize("event, args, program", [
    ("subprocess.Popen", ("/usr/bin/bao", ["bao", "server"], None, None), "/usr/bin/bao"),
    ("subprocess.Popen", (None, ["reference-secrets"], None, None), "reference-secrets"),
    ("subprocess.Popen", (None, "mutant-x --flag", None, None), "mutant-x --flag"),
    ("os.posix_spawn", (b"/bin/vault", [b"vault"], {}), "/bin/vault"),
    ("os.exec", ("/bin/sh", ["sh"], None), "/bin/sh"),
    ("os.system", (b"docker ps",), "docker"),
    ("open", ("/etc/hosts", "r", 0), None),
])
def test_program_of_an_audit_event(event, args, program):
    assert program_of(event, args) == program


def test_the_audit_hook_records_what_this_test_starts(request):
    first = len(Spawns.seen)
    subprocess.run(["true"], check=True)
    assert Spawns.seen[first:] == [(request.node.nodeid, "true")]


def test_children_sees_a_running_child():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in children()
    finally:
        child.kill()
        child.wait()
    assert child.pid not in children()
