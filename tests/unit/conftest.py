"""The unit tier's guard: no test of this tier starts a server or a plugin (bao, vault, the plugins under test,
Docker, Go), in its body or in its fixtures (unit_guard.py says how that is seen). A test that did fails itself;
the session-scoped fixture asserts at the end that nothing forbidden was started, or is still running, at all.
The recorded reports the tests read are in unit_samples.py and data/."""

from __future__ import annotations

from pathlib import Path

import pytest

from unit_guard import Spawns, children, forbidden, install

UNIT_DIR = Path(__file__).resolve().parent
START = pytest.StashKey[int]()
VIOLATIONS: list[str] = []

install()


def _in_unit_tier(item) -> bool:
    return UNIT_DIR in Path(str(item.path)).resolve().parents


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Record what starts during a unit test's setup, call and teardown (module-scoped fixtures included)."""
    if not _in_unit_tier(item):
        yield
        return
    item.stash[START] = len(Spawns.seen)
    Spawns.test_id, Spawns.active = item.nodeid, True
    try:
        yield
    finally:
        Spawns.active = False


@pytest.fixture(scope="session", autouse=True)
def no_server_or_plugin_started():
    """At the end of the session: no unit test started (or left running) a server, plugin, Docker or Go."""
    before = children()
    yield
    left = {pid: name for pid, name in children().items() if pid not in before and forbidden(name)}
    spawned = [f"{test}: {program}" for test, program in Spawns.seen if forbidden(program)]
    assert not VIOLATIONS and not spawned and not left, (
        f"the unit tier started forbidden processes: {VIOLATIONS or spawned}; still running: {left}")


@pytest.fixture(autouse=True)
def no_forbidden_process_in_this_test(request):
    before = set(children())
    yield
    spawned = [program for _, program in Spawns.seen[request.node.stash.get(START, 0):] if forbidden(program)]
    left = {pid: name for pid, name in children().items() if pid not in before and forbidden(name)}
    if spawned or left:
        VIOLATIONS.append(f"{request.node.nodeid}: started {spawned}, left {left}")
    assert not spawned, f"this unit test started {spawned}"
    assert not left, f"this unit test left {left} running"
