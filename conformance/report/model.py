"""The report of one certification run, shaped exactly as schema vault-plugin-conformance/report/v1."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from conformance import __version__
from conformance.catalog import Requirement
from conformance.outcomes import MAX_EVIDENCE_STRING, Outcome, SkipKind, bounded  # noqa: F401 - re-exported

SCHEMA = "vault-plugin-conformance/report/v1"
METRIC_KEYS = ("handshake_ms", "first_request_ms", "rpc_p50_ms", "rpc_p99_ms", "shutdown_ms", "plugin_rss_mb",
               "path_requests")  # the last: requests the path checks sent through the server (an extension)


@dataclass
class Result:
    requirement: Requirement
    outcome: Outcome
    message: str
    duration_s: float = 0.0
    evidence: dict[str, Any] = field(default_factory=dict)
    skip_kind: SkipKind | None = None  # skipped only: why it went unchecked
    how: str | None = None  # skipped only: what would let it be checked

    def as_dict(self) -> dict[str, Any]:
        req = self.requirement
        document = {
            "id": req.id, "level": req.level.value, "area": req.area, "title": req.title,
            "outcome": self.outcome.value, "message": self.message,
            "duration_s": round(self.duration_s, 4), "evidence": bounded(self.evidence),
        }
        if self.outcome is Outcome.SKIPPED:
            document["skip_kind"] = (self.skip_kind or SkipKind.BLOCKED).value
            if self.how:
                document["how"] = self.how  # what would let it be checked
        return document


def must_coverage(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Which MUSTs that apply to the plugin were checked (passed or failed), and each one that was not, with why
    and what would check it; from report.json results, so a merged or stored report is judged the same way.
    `incomplete`: none failed, but one went unchecked for a reason the user can remove (the manifest lacks its
    recipe), or was blocked while no MUST failed (so no failure explains the gap)."""
    musts = [r for r in results if r["level"] == "MUST"]
    applicable = [r for r in musts if not (r["outcome"] == "skipped" and r.get("skip_kind") == "not-applicable")]
    checked = [r for r in applicable if r["outcome"] in ("passed", "failed")]
    unchecked = [r for r in applicable if r["outcome"] not in ("passed", "failed")]
    left_out = [r for r in applicable if r["outcome"] == "skipped" and r.get("skip_kind") == "not-selected"]
    # A skip with no kind comes from a report made before kinds existed: "unknown", which is not counted as
    # incomplete (that report's own verdict did not count it either).
    not_checked = [{"id": r["id"], "kind": (r.get("skip_kind") or "unknown") if r["outcome"] == "skipped" else "error",
                    "how": r.get("how") or r["message"]} for r in unchecked]
    any_failed = any(r["outcome"] == "failed" for r in musts)
    incomplete = any(item["kind"] == "needs-manifest" or (item["kind"] == "blocked" and not any_failed)
                     for item in not_checked)
    why_left_out = sorted({_left_out_by(r["message"]) for r in left_out})
    selected = len(applicable) - len(left_out)
    scope = (f"all {len(applicable)} applicable MUSTs" if not left_out
             else f"{selected} of {len(applicable)} applicable MUSTs: {', '.join(why_left_out)}")
    return {"applicable_must": len(applicable), "selected_must": selected, "checked_must": len(checked),
            "scope": scope, "not_checked": not_checked, "incomplete": incomplete}


def _left_out_by(message: str) -> str:
    """A short name for why a MUST was left out of the run: the runtime, or the user's selection."""
    if "--runtime" in message:
        return f"{message.rsplit('--runtime ', 1)[-1].split()[0]} runtime"
    return "selection"


def verdict_of(summary_counts: dict[str, int], coverage: dict[str, Any]) -> str:
    if summary_counts["errors"]:
        return "error"
    if summary_counts["must_failed"]:
        return "non-conformant"
    return "incomplete" if coverage["incomplete"] else "conformant"


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """report.json's summary block from its results (schema v1 plus coverage)."""
    count = {o.value: sum(1 for r in results if r["outcome"] == o.value) for o in Outcome}
    must_failed = sum(1 for r in results if r["outcome"] == "failed" and r["level"] == "MUST")
    coverage = must_coverage(results)
    summary = {"total": len(results), "passed": count["passed"], "failed": count["failed"],
               "skipped": count["skipped"], "errors": count["error"], "must_failed": must_failed}
    summary["verdict"] = verdict_of(summary, coverage)
    del coverage["incomplete"]
    summary["coverage"] = coverage
    return summary


@dataclass
class Report:
    plugin: dict[str, Any]
    server: dict[str, Any]
    started_at: dt.datetime
    duration_s: float
    results: list[Result]
    metrics: dict[str, float | None]
    baseline: dict[str, Any] | None = None
    processes: list[dict[str, Any]] | None = None  # the plugin processes a server ran (server runtimes)
    multiplexing: dict[str, Any] | None = None  # reported support, and how a server served several mounts
    timings: dict[str, float] | None = None  # seconds by phase: server boots, plugin launches, checks, reports

    def summary(self) -> dict[str, Any]:
        return summarise([r.as_dict() for r in self.results])

    def as_dict(self) -> dict[str, Any]:
        document = {
            "schema": SCHEMA,
            "tool": {"name": "vault-plugin-conformance", "version": __version__},
            "plugin": self.plugin,
            "server": self.server,
            "started_at": self.started_at.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z"),
            "duration_s": round(self.duration_s, 3),
            "summary": self.summary(),
            "results": [r.as_dict() for r in self.results],
            "metrics": {key: self.metrics.get(key) for key in METRIC_KEYS},
        }
        if self.processes is not None:
            document["processes"] = self.processes
        if self.multiplexing:
            document["multiplexing"] = self.multiplexing
        if self.timings is not None:
            document["timings"] = self.timings
        if self.baseline is not None:
            document["baseline"] = self.baseline
        return document
