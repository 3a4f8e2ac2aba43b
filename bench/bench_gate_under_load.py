"""Gates that never flake: each reference plugin against a baseline of its own report, certified again while two
CPU-bound processes run beside the suite, must exit 0 every time.

    python bench/bench_gate_under_load.py [--runs 5] [--burners 2] [--plugins reference-secrets,...]

Makes the baseline on the machine as it is, then starts the burners (busy loops, each bounded by --burn-bound)
and certifies --runs times with --baseline. Prints each run's exit code, verdict and what regressed, writes
bench/results/gate-under-load.json, and exits 1 when any run did not exit 0.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
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


def burn(until: float) -> None:
    while time.monotonic() < until:
        sum(i * i for i in range(10_000))


def certify(name: str, report_dir: Path, baseline: Path | None) -> dict:
    command = [sys.executable, "-m", "conformance", "certify", "--manifest", str(MANIFESTS / f"{name}.toml"),
               "--runtime", "process", "--report-dir", str(report_dir)]
    if baseline is not None:
        command += ["--baseline", str(baseline)]
    if "database" in name:
        with disposable_redis() as env:
            done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env={**os.environ, **env})
    else:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    report = json.loads((report_dir / "report.json").read_text())
    block = report.get("baseline") or {}
    return {"exit": done.returncode, "verdict": report["summary"]["verdict"],
            "regressions": block.get("regressions", []), "lost_coverage": block.get("lost_coverage", []),
            "metric_regressions": block.get("metric_regressions", []),
            "perf": {r["id"]: r["outcome"] for r in report["results"] if r["id"].startswith("PERF")}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--burners", type=int, default=2)
    parser.add_argument("--burn-bound", type=float, default=900.0, help="seconds a burner may run at most")
    parser.add_argument("--plugins", default=",".join(REFERENCES))
    args = parser.parse_args()
    summary, bad = {}, 0
    with tempfile.TemporaryDirectory(prefix="vpc-gate-") as scratch:
        root = Path(scratch)
        for name in args.plugins.split(","):
            baseline = certify(name, root / f"{name}-baseline", None)
            print(f"{name}: baseline {baseline['verdict']} (exit {baseline['exit']})", flush=True)
            until = time.monotonic() + args.burn_bound
            burners = [multiprocessing.Process(target=burn, args=(until,), daemon=True) for _ in range(args.burners)]
            for burner in burners:
                burner.start()
            try:
                runs = [certify(name, root / f"{name}-{i}", root / f"{name}-baseline" / "report.json")
                        for i in range(args.runs)]
            finally:
                for burner in burners:
                    burner.terminate()
                    burner.join(10)
            for i, run in enumerate(runs):
                print(f"  run {i + 1} beside {args.burners} CPU burners: exit {run['exit']}, {run['verdict']}, "
                      f"regressed {run['regressions'] or 'nothing'}, PERF {run['perf']}", flush=True)
            bad += sum(run["exit"] != 0 for run in runs)
            summary[name] = {"baseline": baseline, "runs": runs}
    out = REPO / "bench" / "results" / "gate-under-load.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{bad} run(s) of {args.runs * len(summary)} did not exit 0")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
