"""How slow this machine is right now, measured in the same run, beside the figure it calibrates.

A PERF threshold (1000 ms to the handshake, 250 ms p99 per request, 1000 ms to exit) is the plugin's own
budget. On a machine that two CPU-bound processes share, the same plugin takes longer for reasons that are
not its own, and a verdict that moves with the load is noise (issue 18). So each PERF check measures, right
before or after its own figure, the same kind of work with no plugin in it, and holds the plugin to its
threshold *on top of* that: a process started and seen to exit (the fork, exec and scheduling every launch
pays), a process stopped by SIGTERM, the server's own round trip under the same concurrent load. A plugin that
is slow by itself (a 1.5 s sleep before its handshake) is still slow by far more than any of these.
"""

from __future__ import annotations

import signal
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from conformance.runtime.lifecycle import signal_group, spawned

SAMPLES = 3
EXIT_BOUND_S = 10.0


def launch_ms() -> float:
    """The median time to start /bin/true and see it exit: what any launch costs on this machine now."""
    figures = []
    for _ in range(SAMPLES):
        started = time.monotonic()
        with spawned(["true"]) as process:
            process.wait(EXIT_BOUND_S)
        figures.append((time.monotonic() - started) * 1000)
    return round(statistics.median(figures), 2)


def stop_ms() -> float:
    """The median time from SIGTERM to the exit of `sleep`: what stopping any process costs on this machine now."""
    figures = []
    for _ in range(SAMPLES):
        with spawned(["sleep", "60"]) as process:
            try:
                time.sleep(0.02)  # started, and waiting in its sleep
                started = time.monotonic()
                signal_group(process.pid, signal.SIGTERM)
                process.wait(EXIT_BOUND_S)
                figures.append((time.monotonic() - started) * 1000)
            finally:
                if process.poll() is None:
                    signal_group(process.pid, signal.SIGKILL)
                    process.wait(EXIT_BOUND_S)
    return round(statistics.median(figures), 2)


def server_p50_ms(server, requests: int, workers: int) -> float:
    """The median of the server's own round trip (GET sys/mounts: no plugin involved) under the same load a PERF
    check puts on a mount: what every request through this server costs now. The median, not the p99: it moves
    with the machine's load, not with one stray pause."""
    def one(_) -> float:
        started = time.monotonic()
        server.request_as(True, "GET", "sys/mounts")
        return (time.monotonic() - started) * 1000

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return round(statistics.median(pool.map(one, range(requests))), 2)
