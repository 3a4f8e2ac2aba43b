"""Run action.yml's steps here, the way a GitHub runner would, to prove the action works.

    python scripts/run_action_locally.py --input manifest=plugins_under_test/manifests/reference-secrets.toml \\
        --input runtime=wire [--workspace DIR]

A fresh virtual environment (with the system's site-packages, so the suite's
dependencies need no download) stands in for the runner's Python; the
action's own checkout is this repository. Each step runs in order with the
expressions a composite action uses substituted (`inputs.*`, `github.action_path`,
`steps.<id>.outputs.*`, `a || b`); a step marked `if: always()` runs even after
a failure, others only while the job is green. `actions/upload-artifact` is
played by copying its `path` into the workspace's artifacts folder (it must
exist). GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are files in the workspace.
Exits with the job's result: 0 when every step passed, else 1.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
STEP_BOUND_S = 1800


def evaluate(expression: str, context: dict) -> str:
    """The subset of GitHub's expression language a composite action like ours uses."""
    for alternative in expression.split("||"):
        value = lookup(alternative.strip(), context)
        if value:
            return value
    return ""


def lookup(path: str, context: dict) -> str:
    node = context
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return ""
        node = node[part]
    return "" if node is None else str(node)


def substitute(text: str, context: dict) -> str:
    return EXPRESSION.sub(lambda m: evaluate(m.group(1), context), text)


def read_outputs(path: Path) -> dict[str, str]:
    outputs = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        if "=" in line:
            key, value = line.split("=", 1)
            outputs[key] = value
    return outputs


def run_action(inputs: dict[str, str], workspace: Path) -> int:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite", "only composite actions are played"
    declared = action.get("inputs", {})
    unknown = set(inputs) - set(declared)
    if unknown:
        raise SystemExit(f"unknown input(s) {sorted(unknown)}: action.yml declares {sorted(declared)}")
    values = {name: inputs.get(name, spec.get("default", "")) for name, spec in declared.items()}
    python_env = workspace / "python"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(python_env)
    env = {**os.environ, "PATH": f"{python_env / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(python_env),
           "GITHUB_STEP_SUMMARY": str(workspace / "step_summary.md"), "GITHUB_WORKSPACE": str(workspace)}
    context = {"inputs": values, "github": {"action_path": str(REPO), "workspace": str(workspace)}, "steps": {}}
    failed = False
    for number, step in enumerate(action["runs"]["steps"], 1):
        name = step.get("name", f"step {number}")
        condition = step.get("if", "success()")
        if failed and "always()" not in condition:
            print(f"--- {name}: skipped (an earlier step failed)")
            continue
        outputs_file = workspace / f"output-{number}"
        outputs_file.write_text("")
        if "uses" in step:
            code = play_uses(step, context, workspace)
        else:
            step_env = {**env, "GITHUB_OUTPUT": str(outputs_file),
                        **{k: substitute(str(v), context) for k, v in (step.get("env") or {}).items()}}
            script = substitute(step["run"], context)
            print(f"--- {name}: {script.strip().splitlines()[0]}")
            code = subprocess.run(["bash", "-e", "-c", script], cwd=workspace, env=step_env,
                                  timeout=STEP_BOUND_S).returncode
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": read_outputs(outputs_file)}
        print(f"--- {name}: exit {code}")
        failed = failed or code != 0
    print(f"job: {'failed' if failed else 'passed'}")
    return 1 if failed else 0


def play_uses(step: dict, context: dict, workspace: Path) -> int:
    uses = step["uses"]
    if not uses.startswith("actions/upload-artifact@"):
        print(f"--- {uses}: not played locally")
        return 1
    with_ = {k: substitute(str(v), context) for k, v in (step.get("with") or {}).items()}
    source = workspace / with_["path"]
    print(f"--- upload-artifact {with_.get('name')}: {with_['path']}")
    if not source.exists():
        print(f"no such path: {source}")
        return 1
    shutil.copytree(source, workspace / "artifacts" / with_.get("name", "artifact"), dirs_exist_ok=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--workspace", help="where the job runs (default: a temporary folder, removed after)")
    args = parser.parse_args()
    inputs = dict(item.split("=", 1) for item in args.input)
    if args.workspace:
        Path(args.workspace).mkdir(parents=True, exist_ok=True)
        return run_action(inputs, Path(args.workspace))
    with tempfile.TemporaryDirectory(prefix="vpc-action-") as workspace:
        return run_action(inputs, Path(workspace))


if __name__ == "__main__":
    sys.exit(main())
