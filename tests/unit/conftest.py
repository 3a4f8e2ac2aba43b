"""The unit tier's guard: no test of this tier starts a server or a plugin (bao, vault, the plugins under
test, Docker, Go). The recorded reports the tests read are in unit_samples.py and data/.

The guard has two nets. An audit hook (sys.addaudithook) sees every program this test process starts while a
unit test runs (subprocess.Popen, os.posix_spawn, os.exec*, os.system), even one that ends at once; psutil
looks at this process's children (recursively) after every test and once more at the end of the session, for
anything that outlived its test. A unit test that started a forbidden program fails itself; the session-scoped
fixture asserts at the end that nothing forbidden was seen at all.
"""

from __future__ import annotations

import fnmatch
import os
import sys

import psutil
import pytest

# What a unit test must never start: servers, the plugins under test, Docker, Go.
FORBIDDEN = ("bao", "bao-*", "vault", "vault-*", "reference-*", "mutant-*", "hostile-*", "redis-server",
             "docker", "dockerd", "containerd*", "go")
ALLOWED = ("vault-conformance",)  # the suite's own command line


def forbidden(name: str | None) -> bool:
    base = os.path.basename(os.fsdecode(name or ""))
    return base not in ALLOWED and any(fnmatch.fnmatch(base, pattern) for pattern in FORBIDDEN)


class _Spawns:
    """Programs started by this process while a unit test runs (the audit hook stays for the process's life,
    as audit hooks do; it records only while `active`)."""

    active = False
    seen: list[tuple[str, str]] = []  # (test id, program)
    test_id = ""

    @classmethod
    def hook(cls, event: str, args: tuple) -> None:
        if not cls.active:
            return
        program = None
        if event == "subprocess.Popen":
            executable, argv = args[0], args[1]
            if isinstance(argv, (str, bytes, os.PathLike)):
                argv = [argv]
            program = os.fsdecode(executable or (list(argv)[0] if argv else ""))
        elif event in ("os.posix_spawn", "os.exec", "os.spawn"):
            program = os.fsdecode(args[0])
        elif event == "os.system":
            command = os.fsdecode(args[0]).split()
            program = command[0] if command else ""
        if program is not None:
            cls.seen.append((cls.test_id, program))


sys.addaudithook(_Spawns.hook)


def _children() -> dict[int, str]:
    found = {}
    for child in psutil.Process().children(recursive=True):
        try:
            names = {child.name()}
            cmdline = child.cmdline()
            if cmdline:
                names.add(os.path.basename(cmdline[0]))
            found[child.pid] = next((n for n in names if forbidden(n)), child.name())
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


VIOLATIONS: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def no_server_or_plugin_started():
    """At the end of the session: no unit test started (or left) a server, plugin, Docker or Go process."""
    before = _children()
    yield
    left = {pid: name for pid, name in _children().items() if pid not in before and forbidden(name)}
    spawned = [f"{test}: {program}" for test, program in _Spawns.seen if forbidden(program)]
    assert not VIOLATIONS and not spawned and not left, (
        f"the unit tier started forbidden processes: {VIOLATIONS + spawned}; still running: {left}")


@pytest.fixture(autouse=True)
def no_forbidden_process_in_this_test(request):
    before = set(_children())
    _Spawns.test_id, _Spawns.active = request.node.nodeid, True
    first = len(_Spawns.seen)
    try:
        yield
    finally:
        _Spawns.active = False
    spawned = [program for _, program in _Spawns.seen[first:] if forbidden(program)]
    left = {pid: name for pid, name in _children().items() if pid not in before and forbidden(name)}
    if spawned or left:
        VIOLATIONS.append(f"{request.node.nodeid}: started {spawned}, left {left}")
    assert not spawned, f"this unit test started {spawned}"
    assert not left, f"this unit test left {left} running"
