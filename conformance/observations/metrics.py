"""Measured figures for report.json's metrics block, where the checks did not already set them.

The PERF checks measure and set the figures they judge (handshake_ms,
rpc_p50_ms/rpc_p99_ms under a concurrent load, shutdown_ms, plugin_rss_mb), so
a figure and its verdict agree. What a run did not check is filled in here,
after the checks: in server runtimes from HTTP round trips through the server
to the plugin (what a user of the mount sees) and an unmount, else from the
wire host's own run. A figure that could not be measured is null.
"""

from __future__ import annotations

import statistics
import time

import psutil
import requests

from conformance.runtime.deadline import DeadlinePassed
from conformance.runtime.servers.base import live
from conformance.observations.session import CertifySession

# SHUT-004's measure of an unmount ending the plugin by itself (a declared observation it records once it passed):
# the report's shutdown_ms where PERF-003, which runs before it, set none.
UNMOUNT_EXIT_MS = "unmount_exit_ms"
SAMPLES = 30
SAMPLE_BOUND_S = 10.0  # a round trip slower than this ends the sampling: no figure beats a run held for minutes
SHUTDOWN_BOUND_S = 10.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _fill(session: CertifySession, key: str, value) -> None:
    if value is not None and session.metrics.get(key) is None:
        session.metrics[key] = value


def _fill_latency(session: CertifySession, samples: list[float]) -> None:
    if samples and session.metrics.get("rpc_p99_ms") is None:
        session.metrics["rpc_p50_ms"] = round(statistics.median(samples), 3)
        session.metrics["rpc_p99_ms"] = round(percentile(samples, 0.99), 3)
        _fill(session, "first_request_ms", round(samples[0], 3))


def measure_server_metrics(session: CertifySession, deadline=None) -> None:
    """Never raises for a plugin that does not answer, and does nothing once the run's deadline passed."""
    mount = session.mounted
    if session.server is None or mount is None or (deadline is not None and deadline.passed()):
        return
    try:
        _measure_server_metrics(session, mount)
    except (requests.RequestException, DeadlinePassed):  # the plugin stopped answering, or time is up: no figure
        pass


def _latency_samples(session: CertifySession, path: str) -> list[float]:
    samples = []
    for _ in range(SAMPLES):
        _, ms = session.timed_request("GET", path, timeout=SAMPLE_BOUND_S)
        samples.append(ms)
    return samples


def _measure_server_metrics(session: CertifySession, mount) -> None:
    pids = session.plugin_pids()
    if pids:
        try:
            _fill(session, "plugin_rss_mb", round(psutil.Process(pids[0]).memory_info().rss / 2**20, 2))
        except psutil.NoSuchProcess:
            pass
    # A database plugin's mount is the server's database engine: its paths are not the plugin's.
    if session.plugin_type != "database" and session.metrics.get("rpc_p99_ms") is None:
        _fill_latency(session, _latency_samples(session, f"{mount.path}/vpc-latency-probe"))
    _fill(session, "shutdown_ms", session.memo.peek(UNMOUNT_EXIT_MS))  # SHUT-004 timed an unmount, with its evidence
    if session.metrics.get("shutdown_ms") is None:
        _time_unmount(session, mount, pids)


def _time_unmount(session: CertifySession, mount, pids: list[int]) -> None:
    started = time.monotonic()
    response = session.server.request("DELETE", f"{mount.table}/{mount.key}", timeout=SHUTDOWN_BOUND_S)
    if response.status_code not in (200, 204):
        return
    deadline = started + SHUTDOWN_BOUND_S
    while time.monotonic() < deadline and live(pids):
        time.sleep(0.01)
    if pids and not live(pids):
        session.metrics["shutdown_ms"] = round((time.monotonic() - started) * 1000, 2)


def measure_wire_metrics(session: CertifySession) -> None:
    """Figures from the wire host's own run: RPC round trips, the plugin's memory, its exit."""
    database = session.memo.peek("database_wire_run")
    if database is not None:
        _fill_latency(session, [step.ms for step in database.steps.values() if step.ok])
        if database.shutdown is not None and database.shutdown.seconds_to_exit is not None:
            _fill(session, "shutdown_ms", round(database.shutdown.seconds_to_exit * 1000, 2))
    seen = session.memo.peek("wire_run")  # only if the checks made one
    if seen is None:
        return
    _fill_latency(session, seen.request_ms)
    _fill(session, "plugin_rss_mb", seen.rss_mb)
    if seen.shutdown is not None and seen.shutdown.seconds_to_exit is not None:
        _fill(session, "shutdown_ms", round(seen.shutdown.seconds_to_exit * 1000, 2))
