"""The certify command as a pipeline: prepare (validate input, decide everything; exit 2 on a problem, nothing
started) -> run (start what is needed, run the catalog, stop everything) -> assemble (the Report) -> write (every
file through one redactor, report.json once and last)."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from conformance.catalog import PLUGIN_TYPES, REQUIREMENTS, Needs
from conformance.certify.progress import AreaProgress
from conformance.certify.runner import needs_server, run_requirements
from conformance.certify.selection import Selection, select
from conformance.errors import UsageError
from conformance.manifest import Manifest, load_manifest
from conformance.observations.metrics import measure_server_metrics, measure_wire_metrics
from conformance.observations.session import CertifySession
from conformance.report.baseline import judge, load_baseline, refuse_other_subject
from conformance.report.headline import exit_code
from conformance.report.model import Report
from conformance.report.redact import Redactor
from conformance.report.writers import write_log, write_reports
from conformance.runtime.deadline import Deadline
from conformance.runtime.plugin_binary import PluginBinary, elf_is_static
from conformance.runtime.plugin_source import obtain
from conformance.runtime.registration import MountPlan
from conformance.runtime.servers.base import RealServer
from conformance.runtime.servers.docker import DockerServer, daemon_answers
from conformance.runtime.servers.locate import ServerBinary, locate_server
from conformance.runtime.servers.process import ServerProcess

IMPLEMENTED_RUNTIMES = ("process", "docker", "wire")


@dataclass
class CertifyOptions:
    binary: str | None = None
    plugin_type: str | None = None
    name: str | None = None
    plugin_version: str | None = None
    manifest: str | None = None
    runtime: str = "auto"
    server: str = "openbao"
    server_version: str | None = None
    server_binary: str | None = None
    server_image: str | None = None
    server_port: int | None = None
    report_dir: str | None = None
    level: str = "all"
    keyword: str | None = None
    areas: list[str] | None = None
    jobs: int = 1
    progress: bool = True  # a live line per area, on a terminal only
    baseline: str | None = None
    deadline: float = 900.0  # seconds one plugin's certification may take before the checks left are not started
    allow_incomplete: bool = False  # exit 0 instead of 4 on an incomplete verdict
    baseline_any: bool = False  # compare with a baseline of another plugin, server or runtime
    gate_metrics: bool = False  # metrics worse than the baseline's fail the gate too


@dataclass
class CertifyOutcome:
    exit_code: int
    report_dir: Path
    report: dict


def _resolve_plugin(options: CertifyOptions) -> tuple[PluginBinary, str, str, str | None, Manifest | None]:
    manifest = load_manifest(options.manifest) if options.manifest else None
    raw_binary = options.binary or (obtain(manifest.binary, manifest.go_install) if manifest else None)
    if raw_binary is None:
        raise UsageError("no plugin binary: give BINARY or a --manifest with plugin.binary")
    plugin_type = options.plugin_type or (manifest.plugin_type if manifest else None)
    if plugin_type is None:
        raise UsageError("no plugin type: give --type secret|auth|database or plugin.type in the manifest")
    if plugin_type not in PLUGIN_TYPES:
        raise UsageError(f"unknown --type {plugin_type!r}: choose secret, auth or database")
    binary = PluginBinary.inspect(raw_binary)
    name = options.name or (manifest.name if manifest else None) or binary.path.name
    version = options.plugin_version or (manifest.version if manifest else None)
    return binary, plugin_type, name, version, manifest


def _resolve_runtime(options: CertifyOptions) -> str:
    runtime = options.runtime
    if runtime == "auto":
        runtime = "docker" if options.server_image or daemon_answers() else "process"
    if options.server_image and runtime != "docker":
        raise UsageError(f"--server-image needs --runtime docker (asked: --runtime {runtime})")
    if runtime not in IMPLEMENTED_RUNTIMES:
        raise UsageError(f"--runtime {runtime} is not available (available: auto, process, docker, wire)")
    return runtime


def _server_binary(options: CertifyOptions) -> ServerBinary:
    if options.server_image and not options.server_binary:
        # The image brings the server; its version is read from the running server.
        return ServerBinary(kind=options.server, path=Path("/bin/server"), version=options.server_version or "")
    return locate_server(options.server, options.server_binary, options.server_version)


def _start_server(runtime: str, binary: ServerBinary, options: CertifyOptions) -> RealServer:
    if runtime == "docker":
        return DockerServer(binary, port=options.server_port, image=options.server_image)
    return ServerProcess(binary, port=options.server_port)


def _prepare_report_dir(raw: str | None, name: str) -> Path:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = Path(raw) if raw else Path("reports") / f"{name}-{stamp}"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".vpc-write-probe"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise UsageError(f"report directory {path} is not writable: {error.strerror or error}") from None
    return path


def _server_block(runtime: str, binary: ServerBinary | None, server: RealServer | None) -> dict:
    block = {"kind": binary.kind if binary else "none",
             "version": (server.version if server else None) or (binary.version if binary else None) or None,
             "runtime": runtime}
    if isinstance(server, DockerServer):
        block["image"] = server.image
    return block


@dataclass
class Prepared:
    """Everything decided before anything starts: any problem here is the user's (exit 2), nothing to stop."""

    options: CertifyOptions
    binary: PluginBinary
    plugin_type: str
    name: str
    version: str | None
    manifest: Manifest | None
    runtime: str
    selection: Selection
    baseline: dict | None
    server_binary: ServerBinary | None
    report_dir: Path


@dataclass
class Ran:
    """What the run left: the session (its resources already stopped), the results, the clocks, the redactor."""

    session: CertifySession
    results: list
    started_at: dt.datetime
    clock: float
    redactor: Redactor


def certify(options: CertifyOptions) -> CertifyOutcome:
    """prepare -> run -> assemble -> write once."""
    prepared = prepare(options)
    ran = run(prepared)
    report = assemble(prepared, ran)
    return write(prepared, ran, report)


def prepare(options: CertifyOptions) -> Prepared:
    if options.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    binary, plugin_type, name, version, manifest = _resolve_plugin(options)
    runtime = _resolve_runtime(options)
    if runtime == "docker" and not elf_is_static(binary.path):
        raise UsageError(f"{binary.path} is dynamically linked, so it cannot run inside the server's container "
                         "(FROM scratch): use --runtime process, or build it static (CGO_ENABLED=0)")
    selection = select(options.level, options.keyword, options.areas)
    baseline = load_baseline(options.baseline)
    if baseline is not None and not options.baseline_any:
        refuse_other_subject(baseline, options.baseline, name, plugin_type, options.server, runtime)
    server_binary = (_server_binary(options) if runtime != "wire" and needs_server(selection, plugin_type) else None)
    report_dir = _prepare_report_dir(options.report_dir, name)
    return Prepared(options, binary, plugin_type, name, version, manifest, runtime, selection, baseline,
                    server_binary, report_dir)


def run(prepared: Prepared) -> Ran:
    """Start what is needed, run the catalog, stop everything (whatever happened), keep the server's log."""
    options, manifest, server_binary, runtime = prepared.options, prepared.manifest, prepared.server_binary, \
        prepared.runtime
    started_at = dt.datetime.now(dt.timezone.utc)
    clock = time.monotonic()
    redactor = Redactor(manifest.secrets if manifest else set())
    session = CertifySession(binary=prepared.binary, plugin_type=prepared.plugin_type, name=prepared.name,
                             plugin_version=prepared.version,
                             exercise=manifest.exercise if manifest else (),
                             lease=manifest.lease if manifest else None,
                             setup=manifest.setup if manifest else (), login=manifest.login if manifest else None,
                             database=manifest.database if manifest else None,
                             upgrade=manifest.upgrade if manifest else None,
                             plan=MountPlan.from_manifest(manifest), server_kind=options.server,
                             server_version=server_binary.version if server_binary else "2.7.2")
    with contextlib.ExitStack() as stack:
        stack.callback(session.close)
        if server_binary is not None:
            server = _start_server(runtime, server_binary, options)
            stack.callback(lambda: write_log(prepared.report_dir / "server.log", server.log_text(), redactor))
            stack.callback(server.stop)
            redactor.add(server.root_token)
            booting = time.monotonic()
            server.start()
            session.add_phase("server_boot_s", time.monotonic() - booting)
            session.server = server
        _prefetch(session, prepared.selection, runtime)
        checking = time.monotonic()
        deadline = Deadline(clock, options.deadline)
        if session.server is not None:
            session.server.deadline = deadline  # no request through it outlives the deadline
        results = run_requirements(session, prepared.selection, runtime,
                                   AreaProgress() if options.progress and AreaProgress.wanted() else None,
                                   deadline=deadline)
        session.add_phase("checks_s", time.monotonic() - checking)
        for secret in session.secrets:  # generated in the run (database passwords)
            redactor.add(secret)
        measure_server_metrics(session, deadline)  # where a server ran, its figures are what users see
        measure_wire_metrics(session)
        session.metrics["path_requests"] = session.requests_checked if session.server is not None else None
    return Ran(session, results, started_at, clock, redactor)


def assemble(prepared: Prepared, ran: Ran) -> Report:
    session, options = ran.session, prepared.options
    processes = (session.tracker.settle(session.server.log_text(), prepared.name)
                 if session.server is not None else None)
    report = Report(
        plugin={"name": prepared.name, "type": prepared.plugin_type, "path": str(prepared.binary.path),
                "sha256": prepared.binary.sha256, "version": prepared.version,
                **({"manifest": str(options.manifest)} if options.manifest else {})},
        server=_server_block(prepared.runtime, prepared.server_binary, session.server),
        started_at=ran.started_at, duration_s=time.monotonic() - ran.clock, results=ran.results,
        metrics=session.metrics, processes=processes, multiplexing=session.multiplexing,
    )
    if prepared.baseline is not None:
        report.baseline = judge(prepared.baseline, str(options.baseline), [r.as_dict() for r in ran.results],
                                session.metrics, prepared.runtime, options.gate_metrics)
    # Every renderer sees the phases; report.json, written once and last, also how long writing took.
    timings = {k: round(v, 3) for k, v in sorted(session.phases.items())}
    timings["floor_s"] = round(timings.get("server_boot_s", 0.0) + timings.get("plugin_launches_s", 0.0), 3)
    report.timings = timings
    return report


def write(prepared: Prepared, ran: Ran, report: Report) -> CertifyOutcome:
    writing = time.monotonic()

    def finish(document: dict) -> None:
        document["timings"] = {**document.get("timings", {}), "reports_s": round(time.monotonic() - writing, 3),
                               "total_s": round(time.monotonic() - ran.clock, 3)}

    document = write_reports(prepared.report_dir, report.as_dict(), ran.redactor,
                             {"plugin.log": "\n".join(ran.session.plugin_log)}, finish=finish)
    return CertifyOutcome(exit_code(document, prepared.options.allow_incomplete), prepared.report_dir, document)


def _prefetch(session: CertifySession, selection, runtime: str) -> None:
    """The wire host's whole run starts at once, in the background, so its waiting overlaps the checks."""
    chosen = [r for r in REQUIREMENTS if selection.includes(r) and session.plugin_type in r.applies_to]
    observations = []
    if any(r.needs is Needs.LAUNCH and r.area not in ("handshake", "tls") for r in chosen):
        observations.append(wire_observation)
    if any(r.id == "HS-010" for r in chosen):
        observations.append(unsupported_versions_observation)
    # SHUT-007/PATH-023's persistent server: a server refuses to launch once its stop began (RealServer's lifecycle
    # lock), so a thread starting it while an interrupted run ends cannot leave a process or container behind.
    if runtime in ("process", "docker") and any(r.id in ("SHUT-007", "PATH-023") for r in chosen):
        observations.append(restarted_server_observation)
    session.prefetch(*observations)


def restarted_server_observation(session: CertifySession) -> None:
    from conformance.observations.restarts import stop_and_restart

    stop_and_restart(session)


def unsupported_versions_observation(session: CertifySession) -> None:
    return session.unsupported_versions_launch


def wire_observation(session: CertifySession) -> None:
    return session.database_wire_run if session.plugin_type == "database" else session.wire_run
