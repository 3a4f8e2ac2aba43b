"""Record the unit tier's samples again: run each command of runs.json once (real certifications), in order,
and copy what it wrote over its folder here. Needs the built plugins and a Redis (the database run).

    python tests/unit/data/record.py [FOLDER ...]

For a change of the report format made on purpose; the folders that predate a format (their names say
"before-") are kept as they are.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
KEPT = ("report.json", "summary.md", "badge.svg", "junit.xml")


def main(only: list[str]) -> int:
    runs = json.loads((HERE / "runs.json").read_text())
    for folder, run in runs.items():
        if (only and folder not in only) or "before-" in folder:
            continue
        words = shlex.split(run["command"])
        out = Path(words[words.index("--report-dir") + 1])
        shutil.rmtree(out, ignore_errors=True)
        command = [sys.executable if word == "python" else word for word in words]
        code = subprocess.run(command, cwd=REPO).returncode
        print(f"{folder}: exit {code} (recorded {run['exit_code']})")
        target = HERE / folder
        for name in KEPT:
            if (target / name).exists() or name != "junit.xml":
                shutil.copyfile(out / name, target / name)
        run["exit_code"] = code
    (HERE / "runs.json").write_text(json.dumps(runs, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
