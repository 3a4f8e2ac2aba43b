"""Repeatability: certify each reference plugin N times and require the same outcome for every requirement.

    python bench/bench_repeat.py [--runs 20] [--runtime process] [--jobs 2] [--plugins reference-secrets,...]

Run it with another interpreter (e.g. .tox/py312/bin/python bench/bench_repeat.py) to repeat the
certifications on that Python: the CLI runs under the same interpreter as this script.

A check that needs timing must hold on a loaded 2-core machine, so the runs
go --jobs at a time (the load is part of the test). Prints, per plugin, how
many runs gave which verdict and every requirement whose outcome differed
between runs (with the messages), writes bench/results/repeat.json, and exits
1 when any outcome differed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MANIFESTS = REPO / "plugins_under_test" / "manifests"
sys.path.insert(0, str(REPO / "plugins_under_test" / "tools"))
from redis_db import disposable_redis  # noqa: E402

REFERENCES = ("reference-secrets", "reference-auth", "reference-database")


def one_run(name: str, runtime: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="vpc-repeat-") as report_dir:
        command = [sys.executable, "-m", "conformance", "certify", "--manifest", str(MANIFESTS / f"{name}.toml"),
                   "--runtime", runtime, "--report-dir", report_dir]
        if "database" in name:
            with disposable_redis() as env:
                subprocess.run(command, cwd=REPO, capture_output=True, env={**__import__("os").environ, **env})
        else:
            subprocess.run(command, cwd=REPO, capture_output=True)
        return json.loads((Path(report_dir) / "report.json").read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--runtime", default="process")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--plugins", default=",".join(REFERENCES), help="comma-separated reference names")
    args = parser.parse_args()
    names = [n for n in args.plugins.split(",") if n]
    unknown = sorted(set(names) - set(REFERENCES))
    if unknown:
        parser.error(f"unknown plugin(s) {unknown}; choose from {', '.join(REFERENCES)}")
    summary, flaky_any = {}, False
    print(f"Python {sys.version.split()[0]}, runtime {args.runtime}, {args.jobs} at a time", flush=True)
    for name in names:
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            reports = list(pool.map(lambda _: one_run(name, args.runtime), range(args.runs)))
        verdicts = Counter(r["summary"]["verdict"] for r in reports)
        outcomes: dict[str, Counter] = defaultdict(Counter)
        messages: dict[str, set] = defaultdict(set)
        for report in reports:
            for result in report["results"]:
                outcomes[result["id"]][result["outcome"]] += 1
                if result["outcome"] in ("failed", "error"):
                    messages[result["id"]].add(result["message"][:200])
        flaky = {rid: dict(c) for rid, c in outcomes.items() if len(c) > 1}
        flaky_any = flaky_any or bool(flaky)
        summary[name] = {"runs": args.runs, "verdicts": dict(verdicts), "differing": flaky,
                         "messages": {rid: sorted(messages[rid]) for rid in flaky}}
        print(f"{name}: {dict(verdicts)}; requirements whose outcome differed: {flaky or 'none'}")
        for rid in flaky:
            for message in sorted(messages[rid]):
                print(f"    {rid}: {message}")
    version = f"py{sys.version_info.major}{sys.version_info.minor}"
    out = REPO / "bench" / "results" / f"repeat-{version}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if flaky_any else 0


if __name__ == "__main__":
    sys.exit(main())
