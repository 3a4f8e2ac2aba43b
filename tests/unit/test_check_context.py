"""A check gets a CheckContext, never the session: none of the run's internals are reachable through it, nothing
can be set on it, and every request it (or its ServerActions) sends through a server is counted once in the
run's requests_checked (the report's metrics.path_requests). Against a fake server: nothing is started."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from conformance.observations.context import CheckContext, check_context
from conformance.observations.server_actions import PersistentServer, ServerActions
from conformance.observations.session import CertifySession
from conformance.runtime.plugin_binary import PluginBinary
from conformance.runtime.registration import Mount, MountPlan

pytestmark = pytest.mark.unit

# What the session holds for the run and a check must not reach: resources, the run record, the internals.
FORBIDDEN = ("held", "hold", "memo", "prefetch", "close", "plugin_log", "phases", "add_phase", "workdir",
             "_workdir", "ledger", "tracker", "requests_checked", "count_requests", "secrets", "session",
             "_mount", "_mount_failure", "wire_partial", "wire_mounted_event", "host_certificate", "server_kind",
             "server_version", "unmount_ms", "_observe", "_environment", "_run_setup")
SERVER_FORBIDDEN = ("session", "held", "hold", "memo", "requests_checked", "sibling", "root_token", "unseal_key",
                    "client", "plugin_processes", "signal_server_only", "tempdir")


class Answer:
    """A requests.Response as far as the suite reads one."""

    def __init__(self, status: int = 200, body: dict | None = None):
        self.status_code = status
        self._body = body if body is not None else {}
        self.content = b"{}"
        self.text = "{}"
        self.elapsed = dt.timedelta(milliseconds=1)

    def json(self) -> dict:
        return self._body


class FakeServer:
    """Records every request that reaches it; answers as a server would where the suite reads the answer."""

    root_token = "root-token"
    unseal_key = "unseal-key"

    def __init__(self, directory: Path):
        self.sent: list[tuple[str, str]] = []
        self.directory = directory
        self.siblings: list[FakeServer] = []
        self.started = self.stopped = self.restarted = 0
        self._lock = threading.Lock()

    def _answer(self, method: str, path: str) -> Answer:
        with self._lock:
            self.sent.append((method, path))
        if method == "LIST" and path.startswith("sys/leases/lookup/"):
            keys = ["a/", "lease-1"] if path.count("/") == 4 else ["lease-2"] if path.endswith("a/") else []
            return Answer(200, {"data": {"keys": keys}})
        if path == "sys/plugins/catalog":
            return Answer(200, {"data": {"detailed": [
                {"name": "p", "type": "secret", "sha256": "0" * 64, "version": ""}]}})
        if path.endswith("/tune"):
            return Answer(200, {"data": {"max_lease_ttl": 3600}})
        if method == "DELETE" or path == "sys/seal":
            return Answer(204)
        return Answer(200, {"data": {}})

    def request(self, method: str, path: str, **kwargs) -> Answer:
        return self._answer(method, path)

    def request_as(self, token, method: str, path: str, **kwargs) -> Answer:
        return self._answer(method, path)

    @property
    def plugin_directory(self) -> Path:
        return self.directory

    def plugin_processes(self, binary_name: str) -> list:
        return []

    def run_processes(self) -> list:
        return []

    def log_text(self) -> str:
        return "the server's log"

    def sibling(self, persistent: bool = False) -> "FakeServer":
        other = FakeServer(self.directory)
        self.siblings.append(other)
        return other

    def start(self) -> None:
        self.started += 1

    def restart(self) -> None:
        self.restarted += 1

    def signal_server_only(self, timeout: float) -> bool:
        return True

    def stop(self) -> None:
        self.stopped += 1


def sent_everywhere(server: FakeServer) -> int:
    return len(server.sent) + sum(sent_everywhere(s) for s in server.siblings)


@pytest.fixture
def plugin(tmp_path) -> PluginBinary:
    path = tmp_path / "plugin"
    path.write_bytes(b"\x7fELF not really")
    return PluginBinary(path=path, sha256="0" * 64, architecture="x86_64")


@pytest.fixture
def run(tmp_path, plugin):
    (tmp_path / "plugins").mkdir()
    session = CertifySession(binary=plugin, plugin_type="secret", name="p", plan=MountPlan())
    session.server = FakeServer(tmp_path / "plugins")
    session._mount = Mount(name="p", plugin_type="secret", path="vpc-p", sha256="0" * 64, version=None,
                           catalog_entry={}, mount_entry={}, plan=MountPlan())
    yield session, check_context(session)
    session.close()


def test_the_context_exposes_none_of_the_sessions_internals(run):
    session, ctx = run
    for name in FORBIDDEN:
        assert not hasattr(ctx, name), f"a check can reach the session's {name} through its context"
    assert not hasattr(ctx, "__dict__")  # nothing but its declared slots


@pytest.mark.parametrize("name", ["unmount_ms", "mount_timings", "anything"])
def test_a_fact_cannot_be_left_on_the_context_for_another_check(run, name):
    _, ctx = run
    with pytest.raises(AttributeError):
        setattr(ctx, name, 1.0)


def test_the_server_actions_expose_no_raw_server_and_no_run_internals(run):
    _, ctx = run
    assert isinstance(ctx.server, ServerActions)
    for name in SERVER_FORBIDDEN:
        assert not hasattr(ctx.server, name), f"a check can reach {name} through ctx.server"
    with pytest.raises(AttributeError):
        ctx.server.extra = 1


def test_one_context_per_session(run):
    session, ctx = run
    assert check_context(session) is ctx
    assert CheckContext.of(session) is ctx and CheckContext.of(ctx) is ctx


def test_no_server_means_no_server_actions(plugin):
    session = CertifySession(binary=plugin, plugin_type="secret", name="p")
    assert check_context(session).server is None


def test_the_context_lends_the_plugin_and_the_recipes(run):
    session, ctx = run
    assert (ctx.binary, ctx.name, ctx.plugin_type, ctx.plugin_version) == (session.binary, "p", "secret", None)
    assert (ctx.exercise, ctx.setup, ctx.lease, ctx.login, ctx.database, ctx.upgrade) == ((), (), None, None, None, None)
    assert ctx.plan is session.plan and ctx.mounted is session.mounted


def test_what_a_check_records_reaches_the_report_and_the_redactor(run):
    session, ctx = run
    ctx.metrics["shutdown_ms"] = 1.5
    ctx.multiplexing["served_as"] = "one process per mount"
    ctx.add_secret("a generated password")
    ctx.attribute_lease("vpc-p/creds/x/1", "LEASE-007")
    assert session.metrics["shutdown_ms"] == 1.5 and session.multiplexing["served_as"] == "one process per mount"
    assert "a generated password" in session.secrets
    assert ctx.lease_scenario("vpc-p/creds/x/1") == "LEASE-007" and ctx.lease_scenario("other") is None


def test_a_declared_observation_is_made_once_and_shared(run):
    _, ctx = run
    calls = []
    assert ctx.once("figure", lambda: calls.append(1) or 4.2) == 4.2
    assert ctx.once("figure", lambda: calls.append(1) or 9.9) == 4.2
    assert calls == [1]


ACTIONS = {
    "api": lambda ctx, mount: ctx.api("GET", "vpc-p/config"),
    "api without a token": lambda ctx, mount: ctx.api("GET", "vpc-p/config", token=None),
    "timed_request": lambda ctx, mount: ctx.timed_request("GET", "vpc-p/"),
    "request": lambda ctx, mount: ctx.server.request("PUT", "sys/seal"),
    "request_as root": lambda ctx, mount: ctx.server.request_as(True, "GET", "vpc-p/"),
    "request_as none": lambda ctx, mount: ctx.server.request_as(None, "GET", "vpc-p/"),
    "seal": lambda ctx, mount: ctx.server.seal(),
    "unseal": lambda ctx, mount: ctx.server.unseal(),
    "reload_mount": lambda ctx, mount: ctx.server.reload_mount(mount),
    "reload_plugin": lambda ctx, mount: ctx.server.reload_plugin(mount.name),
    "disable_mount": lambda ctx, mount: ctx.server.disable_mount(mount),
    "reenable_mount": lambda ctx, mount: ctx.server.reenable_mount(mount),
    "another_mount": lambda ctx, mount: ctx.server.another_mount(mount, "2"),
    "leases_under": lambda ctx, mount: ctx.server.leases_under(mount.path),
    "max_lease_ttl": lambda ctx, mount: ctx.server.max_lease_ttl(mount),
    "register_in_catalog": lambda ctx, mount: ctx.server.register_in_catalog(mount, "1" * 64),
}


@pytest.mark.parametrize("action", ACTIONS, ids=list(ACTIONS))
def test_every_request_through_the_context_is_counted_once(run, action):
    session, ctx = run
    ACTIONS[action](ctx, ctx.mount)
    assert session.server.sent, "the action sent nothing"
    assert session.requests_checked == len(session.server.sent), session.server.sent


def test_requests_from_several_threads_are_all_counted(run):
    session, ctx = run
    threads = [threading.Thread(target=lambda: [ctx.server.request_as(True, "GET", "vpc-p/") for _ in range(50)])
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert session.requests_checked == len(session.server.sent) == 400


def test_the_persistent_server_is_held_by_the_run_and_its_requests_counted(run, plugin):
    session, ctx = run
    persistent = ctx.server.start_persistent_server()
    assert isinstance(persistent, PersistentServer)
    sibling = session.server.siblings[0]
    assert sibling.started == 1 and "server_boot_s" in session.phases
    mount = persistent.mount_plugin(plugin, "secret", "p", None, MountPlan())
    persistent.request("GET", f"{mount.path}/", params={"help": "1"})
    assert persistent.still_running([]) == [] and persistent.stop_server_only(1.0) is True
    persistent.restart()
    assert sibling.restarted == 1
    assert session.requests_checked == sent_everywhere(session.server) == len(sibling.sent) > 0
    session.close()  # the run stops what it holds, whether or not the observation stopped it
    assert sibling.stopped >= 1
