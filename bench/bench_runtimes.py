"""Benchmark: the same certification in the process and docker runtimes (goal: docker adds <= 3 s).

    python bench/bench_runtimes.py [--runs 3]

Certifies the reference plugin with its manifest in each runtime (the docker
image is built before timing), prints the median wall times, their difference
and ratio, and writes bench/results/runtimes.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "plugins_under_test" / "manifests" / "reference-secrets.toml"


def certify(runtime: str) -> float:
    with tempfile.TemporaryDirectory(prefix="vpc-bench-") as tmp:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "conformance", "certify", "--manifest", str(MANIFEST),
                        "--runtime", runtime, "--report-dir", tmp], cwd=REPO, check=True, capture_output=True)
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    certify("docker")  # builds the server image once, outside the timing
    times = {runtime: [certify(runtime) for _ in range(args.runs)] for runtime in ("process", "docker")}
    medians = {runtime: statistics.median(values) for runtime, values in times.items()}
    results = {
        "process_s": round(medians["process"], 3), "docker_s": round(medians["docker"], 3),
        "docker_minus_process_s": round(medians["docker"] - medians["process"], 3),
        "ratio": round(medians["docker"] / medians["process"], 2),
        "runs": {k: [round(v, 3) for v in values] for k, values in times.items()},
    }
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "runtimes.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"process runtime: median {results['process_s']} s over {args.runs} runs")
    print(f"docker runtime:  median {results['docker_s']} s over {args.runs} runs")
    print(f"docker adds {results['docker_minus_process_s']} s (goal <= 3 s); ratio {results['ratio']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
