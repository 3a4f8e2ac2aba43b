"""Benchmark: the wire host's HandleRequest round trip against a bare grpcio unary call, and a whole wire run.

    python bench/bench_wire.py [--calls 500] [--runs 3]

Prints p50/p99 of both, their ratio (goal <= 1.5), and the wall time of
`vault-conformance certify ... --runtime wire` on the reference plugin (goal <= 3 s).
Writes the figures to bench/results/wire.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent import futures
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from conformance.runtime.hostcert import generate_host_certificate  # noqa: E402
from conformance.runtime.plugin_env import server_environment  # noqa: E402
from conformance.runtime.tempdirs import short_tempdir  # noqa: E402
from conformance.wire import backend_grpc, backend_pb2  # noqa: E402
from conformance.wirehost.host import WireHost  # noqa: E402

REFERENCE = REPO / "plugins_under_test" / "bin" / "reference-secrets"


def summary(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    return {"p50_ms": round(statistics.median(ordered), 4),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * (len(ordered) - 1)))], 4),
            "n": len(ordered)}


def bench_host(calls: int) -> tuple[dict, dict]:
    """HandleRequest through the wire host: as checks call it (thread hop) and inside its loop."""
    workdir = short_tempdir("vpc-bench-")
    cert = generate_host_certificate()
    with WireHost(REFERENCE, server_environment("secret", workdir, cert.cert_pem), workdir, cert) as host:
        host.start()
        host.multiplexing_support()
        host.mount("secret")
        for _ in range(50):
            host.handle_request("read", "")
        from_checks = []
        for _ in range(calls):
            started = time.perf_counter()
            host.handle_request("read", "")
            from_checks.append((time.perf_counter() - started) * 1000)

        async def in_loop() -> list[float]:
            stub = backend_grpc.BackendStub(host.channel)
            args = backend_pb2.HandleRequestArgs(request=backend_pb2.Request(operation="read", path="", data="null"))
            samples = []
            for _ in range(calls):
                started = time.perf_counter()
                await stub.HandleRequest(args, metadata=host._metadata)
                samples.append((time.perf_counter() - started) * 1000)
            return samples

        inside = host.loop.run(in_loop(), 120)
        host.shutdown()
    import shutil

    shutil.rmtree(workdir, ignore_errors=True)
    return summary(from_checks), summary(inside)


def bench_grpcio(calls: int) -> dict:
    """A bare grpcio unary call (health Check) over a unix socket on the same machine."""
    with tempfile.TemporaryDirectory(prefix="vpc-bench-") as tmp:
        address = f"unix:{tmp}/grpcio.sock"
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
        server.add_insecure_port(address)
        server.start()
        try:
            with grpc.insecure_channel(address) as channel:
                stub = health_pb2_grpc.HealthStub(channel)
                request = health_pb2.HealthCheckRequest(service="")
                for _ in range(50):
                    stub.Check(request)
                samples = []
                for _ in range(calls):
                    started = time.perf_counter()
                    stub.Check(request)
                    samples.append((time.perf_counter() - started) * 1000)
        finally:
            server.stop(0)
    return summary(samples)


def bench_wire_run(runs: int) -> dict:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="vpc-bench-") as tmp:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "conformance", "certify", str(REFERENCE), "--type", "secret",
                            "--runtime", "wire", "--report-dir", tmp], cwd=REPO, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(times), 3), "runs_s": [round(t, 3) for t in times]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not REFERENCE.exists():
        print(f"{REFERENCE} missing: run plugins_under_test/build", file=sys.stderr)
        return 2
    host_calls, host_in_loop = bench_host(args.calls)
    bare = bench_grpcio(args.calls)
    wire_run = bench_wire_run(args.runs)
    results = {
        "host_handle_request": host_calls,
        "host_handle_request_in_loop": host_in_loop,
        "bare_grpcio_unary": bare,
        "ratio_p50": round(host_calls["p50_ms"] / bare["p50_ms"], 2),
        "ratio_p50_in_loop": round(host_in_loop["p50_ms"] / bare["p50_ms"], 2),
        "wire_run": wire_run,
    }
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "wire.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"host HandleRequest (as checks call it): p50 {host_calls['p50_ms']:.3f} ms  p99 {host_calls['p99_ms']:.3f} ms")
    print(f"host HandleRequest (inside its loop):   p50 {host_in_loop['p50_ms']:.3f} ms  p99 {host_in_loop['p99_ms']:.3f} ms")
    print(f"bare grpcio unary call:                 p50 {bare['p50_ms']:.3f} ms  p99 {bare['p99_ms']:.3f} ms")
    print(f"ratio p50 host/grpcio: {results['ratio_p50']} (in loop: {results['ratio_p50_in_loop']}; goal <= 1.5)")
    print(f"wire run on the reference plugin: median {wire_run['median_s']} s over {args.runs} runs (goal <= 3 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
