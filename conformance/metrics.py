"""Measured figures for report.json's metrics block, taken after the checks.

In server runtimes the request figures are HTTP round trips through the server
to the plugin (what a user of the mount sees); shutdown_ms is the time from
the unmount call until the plugin process is gone. A figure that could not be
measured is null.
"""

from __future__ import annotations

import statistics
import time

import psutil

from conformance.servers.base import live
from conformance.session import CertifySession

SAMPLES = 30
SHUTDOWN_BOUND_S = 10.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure_wire_metrics(session: CertifySession) -> None:
    """Figures from the wire host's own run: RPC round trips and the plugin's memory."""
    database = session.__dict__.get("database_wire_run")
    if database is not None:
        timings = [step.ms for step in database.steps.values() if step.ok]
        if timings:
            session.metrics["first_request_ms"] = round(timings[0], 3)
            session.metrics["rpc_p50_ms"] = round(statistics.median(timings), 3)
            session.metrics["rpc_p99_ms"] = round(percentile(timings, 0.99), 3)
        if database.shutdown is not None and database.shutdown.seconds_to_exit is not None:
            session.metrics["shutdown_ms"] = round(database.shutdown.seconds_to_exit * 1000, 2)
    seen = session.__dict__.get("wire_run")  # only if the checks made one
    if seen is None:
        return
    if seen.request_ms:
        session.metrics["first_request_ms"] = round(seen.request_ms[0], 3)
        session.metrics["rpc_p50_ms"] = round(statistics.median(seen.request_ms), 3)
        session.metrics["rpc_p99_ms"] = round(percentile(seen.request_ms, 0.99), 3)
    if seen.rss_mb is not None:
        session.metrics["plugin_rss_mb"] = seen.rss_mb


def measure_server_metrics(session: CertifySession) -> None:
    mount = session.mounted
    if session.server is None or mount is None:
        return
    pids = session.plugin_pids()
    if pids:
        try:
            session.metrics["plugin_rss_mb"] = round(psutil.Process(pids[0]).memory_info().rss / 2**20, 2)
        except psutil.NoSuchProcess:
            pass
    if session.plugin_type == "database":
        # The mount is the server's database engine: its paths are not the plugin's, so the RPC figures stay
        # the wire host's; the unmount below still times the plugin's end.
        samples = []
    else:
        samples = _latency_samples(session, mount)
    if samples:
        session.metrics["rpc_p50_ms"] = round(statistics.median(samples), 3)
        session.metrics["rpc_p99_ms"] = round(percentile(samples, 0.99), 3)
    if session.unmount_ms is not None:  # SHUT-004 already timed an unmount, with its evidence
        session.metrics["shutdown_ms"] = session.unmount_ms
        return
    _time_unmount(session, mount, pids)


def _latency_samples(session: CertifySession, mount) -> list[float]:
    samples = []
    session.metrics.pop("first_request_ms", None)
    for _ in range(SAMPLES):
        _, elapsed_ms = session.timed_request("GET", f"{mount.path}/vpc-latency-probe")
        samples.append(elapsed_ms)
    return samples


def _time_unmount(session: CertifySession, mount, pids: list[int]) -> None:
    started = time.monotonic()
    response = session.server.request("DELETE", f"{mount.table}/{mount.key}")
    if response.status_code not in (200, 204):
        return
    deadline = started + SHUTDOWN_BOUND_S
    while time.monotonic() < deadline and live(pids):
        time.sleep(0.01)
    if pids and not live(pids):
        session.metrics["shutdown_ms"] = round((time.monotonic() - started) * 1000, 2)

