"""What a check may use of the run, and nothing else: the CheckContext every check gets.

The run's CertifySession owns everything a certification starts (servers, plugin
processes, wire hosts, threads, temp dirs) and keeps its record (phases, the
plugin log, the lease ledger, the process tracker, the request count). A check
gets none of that: it gets the plugin under test, the manifest's recipes, the
counted server API, the mount, the shared observations, what it records for the
report, and `server`, the ServerActions through which it acts on the real server
(None without one). A fact one check produces and another consumes is a declared
observation, `ctx.once("name", ...)`, never an attribute set on a shared object.

    @check("PATH-002")
    def root_help_returns_text(ctx: CheckContext, evidence: Evidence) -> str: ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, TypeVar

import requests

from conformance.manifest import DatabaseTable, LeaseTable, LoginTable, Request
from conformance.observations.server_actions import ServerActions
from conformance.observations.session import CertifySession, LaunchObservation
from conformance.runtime.plugin_binary import PluginBinary
from conformance.runtime.registration import Mount, MountPlan
from conformance.wirehost.database_scenario import DatabaseObservation
from conformance.wirehost.scenario import WireObservation

T = TypeVar("T")


class CheckContext:
    """A check's view of one certification run (one per session: see check_context)."""

    __slots__ = ("__session", "__actions")

    def __init__(self, session: CertifySession):
        self.__session = session
        self.__actions: ServerActions | None = None

    @staticmethod
    def of(owner: "CheckContext | CertifySession") -> "CheckContext":
        """The context itself, or the session's one context (an observation the pipeline starts with the
        session, such as the persistent server's, is made through the same context the checks get)."""
        return owner if isinstance(owner, CheckContext) else check_context(owner)

    # -- the plugin under test -------------------------------------------------------------------------
    @property
    def binary(self) -> PluginBinary:
        return self.__session.binary

    @property
    def name(self) -> str:
        return self.__session.name

    @property
    def plugin_type(self) -> str:
        return self.__session.plugin_type

    @property
    def plugin_version(self) -> str | None:
        return self.__session.plugin_version

    @property
    def handshake_timeout_s(self) -> float:
        return self.__session.handshake_timeout_s

    # -- the manifest's recipes ------------------------------------------------------------------------
    @property
    def exercise(self) -> tuple[Request, ...]:
        """[[exercise]]: requests that write state and read it back (empty when the manifest has none)."""
        return self.__session.exercise

    @property
    def setup(self) -> tuple[Request, ...]:
        """[[setup]]: requests sent through the server after mounting."""
        return self.__session.setup

    @property
    def lease(self) -> LeaseTable | None:
        return self.__session.lease

    @property
    def login(self) -> LoginTable | None:
        return self.__session.login

    @property
    def database(self) -> DatabaseTable | None:
        return self.__session.database

    @property
    def upgrade(self) -> tuple[Path, str] | None:
        """[upgrade]: (the second build's binary, its version)."""
        return self.__session.upgrade

    @property
    def plan(self) -> MountPlan:
        return self.__session.plan

    # -- the server: counted requests, the mount, the plugin's processes, actions ------------------------
    @property
    def server(self) -> ServerActions | None:
        """How the check acts on the real server (every request counted); None when the run has none."""
        server = self.__session.server
        if server is None:
            return None
        if self.__actions is None:
            session = self.__session
            self.__actions = ServerActions(server, session.count_requests, session.hold, session.add_phase)
        return self.__actions

    def api(self, method: str, path: str, token: str | None | bool = True, **kwargs) -> requests.Response:
        """A request to the server, counted; token True: root, None: no token at all, else that token."""
        return self.__session.api(method, path, token, **kwargs)

    def timed_request(self, method: str, path: str, **kwargs) -> tuple[requests.Response, float]:
        """A request with the root token, counted, and its round trip in ms (the first one is the report's
        first_request_ms unless a figure is already there)."""
        self.__session.count_requests()
        return self.__session.timed_request(method, path, **kwargs)

    @property
    def mount(self) -> Mount:
        """The plugin registered and mounted (with the manifest's [[setup]]) on first use; a failure is raised
        again to every later caller, never retried."""
        return self.__session.mount

    @property
    def mounted(self) -> Mount | None:
        """The mount if one was made and succeeded; never starts one."""
        return self.__session.mounted

    def plugin_pids(self) -> list[int]:
        """The pids of the processes the server runs the plugin in (recorded for the report's processes)."""
        return self.__session.plugin_pids()

    # -- shared observations ---------------------------------------------------------------------------
    def once(self, key: str, observe: Callable[[], T]) -> T:
        """An observation several checks share, made on first use (whichever thread asks first); an exception
        is remembered and raised again."""
        return self.__session.once(key, observe)

    @property
    def wire_run(self) -> WireObservation:
        """The whole lifecycle played by the suite's own host, once."""
        return self.__session.wire_run

    def wire_mounted(self) -> WireObservation:
        """The wire run's observation as soon as its mount facts are in."""
        return self.__session.wire_mounted()

    @property
    def database_wire_run(self) -> DatabaseObservation:
        """The dbplugin v5 lifecycle played by the suite's own host, once (database plugins)."""
        return self.__session.database_wire_run

    @property
    def server_env_launch(self) -> LaunchObservation:
        """The plugin started with a server's environment, its handshake line probed."""
        return self.__session.server_env_launch

    @property
    def cookieless_launch(self) -> LaunchObservation:
        """The plugin started without the magic cookie."""
        return self.__session.cookieless_launch

    @property
    def unsupported_versions_launch(self) -> LaunchObservation:
        """The plugin started with only a protocol version it cannot speak offered."""
        return self.__session.unsupported_versions_launch

    def evidence_of_launch(self, observation: LaunchObservation) -> dict[str, Any]:
        return self.__session.evidence_of_launch(observation)

    # -- what a check records for the report -----------------------------------------------------------
    @property
    def metrics(self) -> dict[str, float | None]:
        """The report's metrics block: a PERF check sets the figure it judges."""
        return self.__session.metrics

    @property
    def multiplexing(self) -> dict[str, Any]:
        """The report's multiplexing block: how the server served several mounts of the plugin."""
        return self.__session.multiplexing

    def add_secret(self, value: str) -> None:
        """A value generated in the run (a database password) that no report may show."""
        self.__session.secrets.add(value)

    def attribute_lease(self, lease_id: str, requirement_id: str) -> None:
        """Count a lease as issued by another requirement's scenario than the running one (a lease one check
        starts for another to judge)."""
        self.__session.ledger.issued_by[lease_id] = requirement_id

    def lease_scenario(self, lease_id: str) -> str | None:
        """The requirement whose scenario issued a lease of the mount, if the run saw it appear."""
        return self.__session.ledger.issued_by.get(lease_id)


def check_context(session: CertifySession) -> CheckContext:
    """The session's one CheckContext, made on first use (the runner's and the prefetch's are the same)."""
    return session.once("check_context", lambda: CheckContext(session))
