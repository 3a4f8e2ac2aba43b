"""Benchmark: full certification of each reference plugin per runtime, split by phase, and --jobs 1 vs 2.

    python bench/bench_certify.py [--runs 3] [--runtimes process,docker] [--skip-jobs]

For each reference plugin and runtime it runs `certify` --runs times and
prints the median of each phase from report.json's `timings` (server boots,
plugin launches, checks, reports), the floor (server boots + plugin launches:
what no certification can avoid) and the ratio of the total to it. Then it
certifies four plugins with `--jobs 1` and with `--jobs 2` and prints the
speed-up. Results go to bench/results/certify.json. Goals (issue 10):
reference-secrets in the process runtime <= 2x its floor and <= 20 s;
--jobs 2 >= 1.6x faster than --jobs 1 over four plugins.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MANIFESTS = REPO / "plugins_under_test" / "manifests"
sys.path.insert(0, str(REPO / "plugins_under_test" / "tools"))
from redis_db import disposable_redis  # noqa: E402

REFERENCES = ("reference-secrets", "reference-auth", "reference-database")
JOBS_PLUGINS = ("reference-secrets", "reference-auth", "vault-plugin-secrets-kv", "vault-plugin-auth-jwt")
PHASES = ("server_boot_s", "plugin_launches_s", "checks_s", "reports_s", "total_s", "floor_s")


@contextlib.contextmanager
def database_for(name: str):
    """A disposable Redis for a database plugin (its variables in the environment), else nothing."""
    if "database" not in name:
        yield {}
        return
    with disposable_redis() as env:
        yield env


def certify(args: list[str], env: dict[str, str]) -> tuple[float, Path, int]:
    report_dir = Path(tempfile.mkdtemp(prefix="vpc-bench-"))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "conformance", "certify", *args, "--report-dir", str(report_dir)],
                          cwd=REPO, capture_output=True, text=True, env={**__import__("os").environ, **env})
    return time.perf_counter() - started, report_dir, done.returncode


def one_plugin(name: str, runtime: str, runs: int) -> dict:
    samples = []
    for _ in range(runs):
        with database_for(name) as env:
            wall, report_dir, code = certify(["--manifest", str(MANIFESTS / f"{name}.toml"), "--runtime", runtime], env)
        report = json.loads((report_dir / "report.json").read_text())
        samples.append({"wall_s": wall, "exit": code, "verdict": report["summary"]["verdict"], **report.get("timings", {})})
        subprocess.run(["rm", "-rf", str(report_dir)], check=False)
    row = {key: round(statistics.median(s.get(key, 0.0) for s in samples), 2) for key in ("wall_s", *PHASES)}
    row["ratio_to_floor"] = round(row["total_s"] / row["floor_s"], 2) if row["floor_s"] else None
    row["verdicts"] = sorted({s["verdict"] for s in samples})
    return {"plugin": name, "runtime": runtime, "runs": runs, **row}


def jobs_comparison(runtime: str, runs: int) -> dict:
    """Median wall time of --runs alternating --jobs 1 and --jobs 2 certifications of the four plugins."""
    manifests = [arg for name in JOBS_PLUGINS for arg in ("--manifest", str(MANIFESTS / f"{name}.toml"))]
    samples: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(runs):
        for jobs in (1, 2):
            wall, report_dir, code = certify([*manifests, "--runtime", runtime, "--jobs", str(jobs)], {})
            samples[jobs].append(wall)
            subprocess.run(["rm", "-rf", str(report_dir)], check=False)
    walls = {jobs: round(statistics.median(values), 2) for jobs, values in samples.items()}
    return {"plugins": list(JOBS_PLUGINS), "runtime": runtime, "runs": runs, "jobs_1_s": walls[1],
            "jobs_2_s": walls[2], "speedup": round(walls[1] / walls[2], 2),
            "samples_s": {jobs: [round(v, 2) for v in values] for jobs, values in samples.items()}}


def table(rows: list[dict]) -> str:
    head = ["plugin", "runtime", "total s", "server boot s", "launches s", "checks s", "reports s", "floor s", "ratio"]
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for r in rows:
        lines.append(" | ".join(str(v) for v in (r["plugin"], r["runtime"], r["total_s"], r["server_boot_s"],
                                                 r["plugin_launches_s"], r["checks_s"], r["reports_s"], r["floor_s"],
                                                 r["ratio_to_floor"])))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--runtimes", default="process,docker")
    parser.add_argument("--skip-jobs", action="store_true")
    args = parser.parse_args()
    runtimes = args.runtimes.split(",")
    rows = [one_plugin(name, runtime, args.runs) for runtime in runtimes for name in REFERENCES]
    print(table(rows))
    results = {"certify": rows}
    if not args.skip_jobs:
        jobs = jobs_comparison(runtimes[0], args.runs)
        results["jobs"] = jobs
        print(f"\n--jobs 1 vs --jobs 2 over {', '.join(jobs['plugins'])} ({jobs['runtime']}, median of {jobs['runs']}): "
              f"{jobs['jobs_1_s']} s vs {jobs['jobs_2_s']} s: {jobs['speedup']}x")
    out = REPO / "bench" / "results" / "certify.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
