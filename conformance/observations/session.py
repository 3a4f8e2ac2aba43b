"""Everything one certification run shares: the binary, its launches, the server, the mount.

Checks never see it: they get a CheckContext (context.py), which lends them
what they may use of it. Each observation is made once, on first use, and
everything started is stopped when the session closes.
"""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.runtime.handshake import HandshakeLine, probe_address
from conformance.runtime.hostcert import HostCertificate, generate_host_certificate
from conformance.runtime.launch import PluginProcess
from conformance.observations.lease_ledger import LeaseLedger
from conformance.observations.once import Memo, observation
from conformance.runtime.lifecycle import Held
from conformance.observations.process_tracker import ProcessTracker
from conformance.runtime.plugin_binary import PluginBinary
from conformance.runtime.plugin_env import server_environment
from conformance.runtime.registration import HTTP_METHOD, Mount, MountPlan, RegistrationFailed, register_and_mount, server_words
from conformance.runtime.servers.base import RealServer
from conformance.runtime.tempdirs import short_tempdir
from conformance.runtime.tlsprobe import TlsProbe, probe
from conformance.wirehost.host import WireHost
from conformance.wirehost.database_scenario import DatabaseObservation, play_database
from conformance.wirehost.scenario import WireObservation, play

HANDSHAKE_TIMEOUT_S = 60.0  # go-plugin's StartTimeout, which neither Vault nor OpenBao overrides
REFUSAL_TIMEOUT_S = 10.0  # how long a plugin started without its cookie may take to exit
UNSPOKEN_VERSION = "99"  # an app protocol version no plugin speaks


@dataclass
class LaunchObservation:
    """What a plugin did when started directly with a given environment."""

    label: str
    env_names: list[str]
    first_line: bytes | None
    seconds_to_first_line: float
    exit_code: int | None
    stdout_lines: list[bytes]
    stderr: str
    address_problem: str | None = None
    offered_versions: str = ""
    client_cert: bool = False
    tls_probes: dict[str, TlsProbe] = field(default_factory=dict)

    @property
    def handshake(self) -> HandshakeLine | None:
        return HandshakeLine.parse(self.first_line) if self.first_line else None


WIRE_MOUNT_BOUND_S = 200.0  # start timeout, Setup, broker dial and Initialize, each bounded, on a loaded machine
PREFETCH_JOIN_BOUND_S = 30.0  # a background observation whose server or host was stopped ends within this
_ONCE_GUARD = threading.Lock()
_COUNT_GUARD = threading.Lock()  # checks count from several threads (concurrent loads, the persistent server's)


@dataclass
class CertifySession:
    binary: PluginBinary
    plugin_type: str
    name: str
    plugin_version: str | None = None
    exercise: tuple = ()  # manifest [[exercise]] requests
    lease: Any = None  # manifest [lease] recipe
    setup: tuple = ()  # manifest [[setup]] requests, sent through the server after mounting
    login: Any = None  # manifest [login] recipe (auth plugins)
    database: Any = None  # manifest [database]: how to reach and look at the database (database plugins)
    upgrade: tuple | None = None  # manifest [upgrade]: (binary path, version)
    plan: MountPlan = field(default_factory=MountPlan)
    server: RealServer | None = None
    server_kind: str = "openbao"
    server_version: str = "2.7.2"
    handshake_timeout_s: float = HANDSHAKE_TIMEOUT_S
    metrics: dict[str, float | None] = field(default_factory=dict)
    plugin_log: list[str] = field(default_factory=list)
    _workdir: Path | None = None
    _mount: Mount | None = None
    _mount_failure: Exception | None = None
    ledger: LeaseLedger = field(default_factory=LeaseLedger)  # which scenario issued which lease
    tracker: ProcessTracker = field(default_factory=ProcessTracker)  # every plugin process the server ran
    requests_checked: int = 0  # requests sent through the server on behalf of checks (metrics.path_requests)
    # Whether the plugin reports multiplexing (wire) and how a server served several mounts of it (PATH-017).
    multiplexing: dict[str, Any] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)  # values generated in the run that no report may show
    # Seconds spent in the phases the benchmark splits a run into (server boots, plugin launches).
    phases: dict[str, float] = field(default_factory=dict)
    # The wire host's run while it goes: its mount facts (Setup, broker dial, Type, Initialize) are final once
    # wire_mounted_event is set, long before the run ends (checks of those need not wait for the rest).
    wire_partial: Any = None
    wire_mounted_event: threading.Event = field(default_factory=threading.Event)
    # Every observation of the run, each made once whichever thread asks first (see conformance/observations/once.py).
    memo: Memo = field(default_factory=Memo)
    held: Held = field(default_factory=Held)  # everything the run started, stopped by close()

    # -- lifecycle ---------------------------------------------------------
    @property
    def workdir(self) -> Path:
        with _ONCE_GUARD:  # prefetch threads ask at the same time: one dir, or one would be left behind
            if self._workdir is None:
                self._workdir = short_tempdir("vpc-launch-")
        return self._workdir

    def close(self) -> None:
        """Stop what background observations hold (so a thread waiting on a plugin that never answers ends at
        once), wait for those threads, then stop again whatever one started meanwhile; remove the files."""
        try:
            self.held.stop_all()
            for thread in self.__dict__.get("_prefetching", []):
                thread.join(PREFETCH_JOIN_BOUND_S)
        finally:
            self.held.stop_all()
            if self._workdir is not None:
                shutil.rmtree(self._workdir, ignore_errors=True)

    def add_phase(self, name: str, seconds: float | None) -> None:
        if seconds:
            with _ONCE_GUARD:
                self.phases[name] = self.phases.get(name, 0.0) + seconds

    def hold(self, resource):
        """Register a server or wire host the run started (a check's persistent server through
        ServerActions.start_persistent_server), so close() stops it whatever happened."""
        return self.held.hold(resource)

    def prefetch(self, *observations) -> None:
        """Start independent long observations (a callable of the session each) in background threads, so
        their waiting overlaps the checks that run meanwhile; each is still made once, and a check that needs
        one waits for it. Only the main thread gets interrupts: close() waits for these to end cleanly."""
        threads = self.__dict__.setdefault("_prefetching", [])
        for observe in observations:
            thread = threading.Thread(target=self._quietly, args=(observe,), daemon=True,
                                      name=f"vpc-prefetch-{getattr(observe, '__name__', 'observation')}")
            thread.start()
            threads.append(thread)

    def _quietly(self, observe) -> None:
        try:
            observe(self)
        except BaseException:  # noqa: BLE001 - a check that needs it meets the same failure and reports it;
            pass  # a cancelled RPC (the run is ending and closed the host under it) is no news either

    # -- direct launches ---------------------------------------------------
    @observation
    def host_certificate(self) -> HostCertificate:
        return generate_host_certificate()

    def _environment(self, with_cookie: bool) -> dict[str, str]:
        return server_environment(
            self.plugin_type, self.workdir, self.host_certificate.cert_pem,
            server_version=self.server_version, openbao=self.server_kind == "openbao", with_cookie=with_cookie,
        )

    def _observe(self, label: str, env: dict[str, str], line_timeout: float, probe: bool) -> LaunchObservation:
        with self.hold(PluginProcess(self.binary.path, env, self.workdir)) as plugin:  # close() stops it on an interrupt
            line, waited = plugin.first_line(line_timeout)
            if line is not None:
                self.add_phase("plugin_launches_s", waited)
            address_problem = self._probe(HandshakeLine.parse(line)) if line is not None and probe else None
            tls_probes = self._probe_tls(HandshakeLine.parse(line)) if line is not None and probe else {}
            if line is None:  # stdout closed or the bound passed: give an exit a moment to land
                plugin.wait_exit(1.0)
            exit_code = plugin.process.poll()
            plugin.stop()
        observation = LaunchObservation(
            label=label,
            env_names=sorted(env),
            first_line=line,
            seconds_to_first_line=waited,
            exit_code=exit_code,
            stdout_lines=list(plugin.stdout_lines),
            stderr=plugin.stderr_text,
            address_problem=address_problem,
            offered_versions=env.get("PLUGIN_PROTOCOL_VERSIONS", ""),
            client_cert="PLUGIN_CLIENT_CERT" in env,
            tls_probes=tls_probes,
        )
        self.plugin_log.append(
            f"=== {label}: started directly; exit code {exit_code} (None: still running, stopped by the suite)\n"
            f"--- stdout ---\n{b''.join(observation.stdout_lines).decode('utf-8', 'replace')}"
            f"--- stderr ---\n{observation.stderr}\n"
        )
        return observation

    @staticmethod
    def _probe(handshake: HandshakeLine) -> str | None:
        network, address = handshake.network, handshake.address
        if network not in ("unix", "tcp") or not address:
            return None  # the check reports the bad field itself
        try:
            return probe_address(network, address)
        except ValueError as error:
            return f"unparseable address: {error}"

    def _probe_tls(self, handshake: HandshakeLine) -> dict[str, TlsProbe]:
        """Connect as the host, as a client with no certificate, and with a stranger's certificate."""
        if handshake.network not in ("unix", "tcp") or not handshake.address:
            return {}
        clients = {"host": self.host_certificate, "none": None, "other": generate_host_certificate()}
        return {label: probe(label, handshake.network, handshake.address, client, self.workdir)
                for label, client in clients.items()}

    @observation
    def cookieless_launch(self) -> LaunchObservation:
        return self._observe("without the magic cookie", self._environment(with_cookie=False),
                             REFUSAL_TIMEOUT_S, probe=False)

    @property
    def unsupported_versions_launch(self) -> LaunchObservation:
        """Made once; thread-safe, so a prefetch can make it while the other launches wait out a plugin that
        never prints its handshake (HS-003 and HS-010 then wait the 60 s start timeout side by side)."""
        def observe() -> LaunchObservation:
            env = {**self._environment(with_cookie=True), "PLUGIN_PROTOCOL_VERSIONS": UNSPOKEN_VERSION}
            return self._observe(f"offered only protocol version {UNSPOKEN_VERSION}", env, self.handshake_timeout_s,
                                 probe=False)
        return self.once("unsupported_versions_launch", observe)

    @observation
    def wire_run(self) -> WireObservation:
        """The whole lifecycle played by the suite's own host, once."""
        with self.hold(WireHost(self.binary.path, self._environment(with_cookie=True), self.workdir,
                                self.host_certificate, handshake_timeout_s=self.handshake_timeout_s)) as host:
            host.mount_options = dict(self.plan.options)
            self.wire_partial = WireObservation()
            try:
                observation = play(host, self.plugin_type, self.exercise, self.lease, seen=self.wire_partial,
                                   on_mounted=self.wire_mounted_event.set)
                self.add_phase("plugin_launches_s", host.seconds_to_handshake)
                observation.seconds_to_handshake = host.seconds_to_handshake
                if observation.start_error is None:
                    self.multiplexing["reported"] = bool(observation.multiplexing)
            finally:  # the plugin's own words, even when the host itself broke
                self.plugin_log.append(f"=== wire host: started directly; stderr ---\n"
                                       f"{host.plugin.stderr_text if host.plugin else ''}\n")
        return observation

    def wire_mounted(self) -> WireObservation:
        """The wire run's observation as soon as its mount facts are in (the whole run if none is going)."""
        if not self.memo.made("wire_run") and self.wire_partial is not None:
            self.wire_mounted_event.wait(WIRE_MOUNT_BOUND_S)
            if self.wire_mounted_event.is_set():
                return self.wire_partial
        return self.wire_run

    @observation
    def database_wire_run(self) -> DatabaseObservation:
        """The dbplugin v5 lifecycle played by the suite's own host, once (database plugins)."""
        with self.hold(WireHost(self.binary.path, self._environment(with_cookie=True), self.workdir,
                                self.host_certificate, handshake_timeout_s=self.handshake_timeout_s)) as host:
            try:
                observation = play_database(host, self.database)
                self.add_phase("plugin_launches_s", host.seconds_to_handshake)
            finally:
                self.plugin_log.append(f"=== wire host (database): started directly; stderr ---\n"
                                       f"{host.plugin.stderr_text if host.plugin else ''}\n")
        self.secrets.update(observation.passwords)
        if observation.start_error is None:
            self.multiplexing["reported"] = bool(observation.multiplexing)
        return observation

    @observation
    def server_env_launch(self) -> LaunchObservation:
        observation = self._observe("with the server's environment", self._environment(with_cookie=True),
                                    self.handshake_timeout_s, probe=True)
        if observation.first_line is not None:
            self.metrics["handshake_ms"] = round(observation.seconds_to_first_line * 1000, 2)
        return observation

    # -- the server --------------------------------------------------------
    @property
    def mount(self) -> Mount:
        """Registered and enabled on first use; a failure is remembered and raised again, never retried."""
        assert self.server is not None
        if self._mount_failure is not None:
            raise self._mount_failure
        if self._mount is None:
            try:
                mount = register_and_mount(self.server, self.binary, self.plugin_type, self.name,
                                           self.plugin_version, plan=self.plan,
                                           connection=self.database.connection if self.database else None)
                # The server launches the plugin to register it (its version) and to mount it.
                self.add_phase("plugin_launches_s", sum(mount.timings_ms.get(k, 0.0) for k in
                                                        ("register", "enable", "configure_connection")) / 1000)
                self._run_setup(mount)
                self._mount = mount
            except Exception as failure:  # a refusal, or a server that never answered (a plugin holding it)
                self._mount_failure = failure
                raise
        return self._mount

    def _run_setup(self, mount: Mount) -> None:
        for index, request in enumerate(self.setup):
            response = self.server.request(HTTP_METHOD[request.operation], f"{mount.path}/{request.path}",
                                           json=request.data)
            mount.timings_ms[f"setup[{index}]"] = round(response.elapsed.total_seconds() * 1000, 2)
            if response.status_code >= 300:
                raise RegistrationFailed(f"setup[{index}] {request.line}", response.status_code,
                                         server_words(response), {"mount_path": mount.path})

    def once(self, key: str, observe):
        """An observation several checks share, made on first use; an exception is remembered and raised again."""
        return self.memo.once(key, observe)

    def count_requests(self, number: int = 1) -> None:
        """Count requests sent through a server on behalf of checks (thread-safe)."""
        with _COUNT_GUARD:
            self.requests_checked += number

    def api(self, method: str, path: str, token: str | None | bool = True, **kwargs):
        """A request to the server on behalf of a check, counted; token True: root, None: no token at all."""
        assert self.server is not None
        self.count_requests()
        if token is True:
            return self.server.request(method, path, **kwargs)
        return self.server.request_as(token, method, path, **kwargs)

    @property
    def mounted(self) -> Mount | None:
        """The mount if one was made and succeeded; never starts one."""
        return self._mount

    def timed_request(self, method: str, path: str, **kwargs):
        """A request and its round trip in ms; not counted (the metrics' samples are no check's): a check's goes
        through CheckContext.timed_request, which counts it."""
        assert self.server is not None
        started = time.monotonic()
        response = self.server.request(method, path, **kwargs)
        elapsed_ms = (time.monotonic() - started) * 1000
        self.metrics.setdefault("first_request_ms", round(elapsed_ms, 2))
        return response, elapsed_ms

    def plugin_pids(self) -> list[int]:
        if self.server is None:
            return []
        pids = sorted(p.pid for p in self.server.plugin_processes(self.name))
        self.tracker.observe(pids)
        return pids

    def evidence_of_launch(self, observation: LaunchObservation) -> dict[str, Any]:
        return {
            "launch": observation.label,
            "environment": observation.env_names,  # names only: what the host set, as a server would
            "first_stdout_line": observation.first_line.decode("utf-8", "replace") if observation.first_line else None,
            "seconds_to_first_line": round(observation.seconds_to_first_line, 4),
            "exit_code": observation.exit_code,
            "stderr_excerpt": observation.stderr[-600:],
        }

