"""One line that tells a report's story the way its exit code does: the CLI, summary.md and report.html use it.

A run whose verdict is conformant but that regressed against its baseline exits 1: its headline says so, rather
than a green "conformant" above a red exit code.
"""

from __future__ import annotations

from typing import Any


def regressed(document: dict[str, Any]) -> list[str]:
    """What fails the gate against the baseline: requirements that now fail, requirements no longer checked (lost
    coverage), and metric lines when metrics gate (--gate-metrics; reports made before that option gated them)."""
    baseline = document.get("baseline") or {}
    metrics = (baseline.get("metric_regressions") or []) if baseline.get("metrics_gate", True) else []
    return [*(baseline.get("regressions") or []), *(baseline.get("lost_coverage") or []), *metrics]


def headline(document: dict[str, Any], exit_code: int | None = None) -> str:
    summary = document["summary"]
    verdict = summary["verdict"]
    words = [verdict]
    coverage = summary.get("coverage") or {}
    if verdict == "incomplete":  # the unchecked MUSTs of the run's scope (not those the user left out)
        waiting = [item["id"] for item in coverage.get("not_checked", []) if item["kind"] != "not-selected"]
        words.append(f"{len(waiting)} MUST{'s' if len(waiting) != 1 else ''} unchecked")
    if regressed(document):
        words.append("regressed against the baseline")
    if verdict == "incomplete" and exit_code == 0:
        words.append("allowed (--allow-incomplete)")
    return ", ".join(words)


def exit_code(document: dict[str, Any], allow_incomplete: bool = False) -> int:
    """CONTRACT exit codes of one certification: 1 a MUST failed or the baseline regressed, 3 a check errored,
    4 incomplete (0 with --allow-incomplete), else 0."""
    summary = document["summary"]
    if summary["must_failed"] or regressed(document):
        return 1
    if summary["errors"]:
        return 3
    if summary["verdict"] == "incomplete" and not allow_incomplete:
        return 4
    return 0
