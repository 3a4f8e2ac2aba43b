"""The report of one certification run, shaped exactly as schema vault-plugin-conformance/report/v1."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from conformance import __version__
from conformance.catalog import Level, Requirement
from conformance.outcomes import MAX_EVIDENCE_STRING, Outcome, bounded  # noqa: F401 - bounded: part of this API

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

    def as_dict(self) -> dict[str, Any]:
        req = self.requirement
        return {
            "id": req.id, "level": req.level.value, "area": req.area, "title": req.title,
            "outcome": self.outcome.value, "message": self.message,
            "duration_s": round(self.duration_s, 4), "evidence": bounded(self.evidence),
        }


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
        count = {o: sum(1 for r in self.results if r.outcome is o) for o in Outcome}
        must_failed = sum(1 for r in self.results if r.outcome is Outcome.FAILED and r.requirement.level is Level.MUST)
        if count[Outcome.ERROR]:
            verdict = "error"
        elif must_failed:
            verdict = "non-conformant"
        else:
            verdict = "conformant"
        return {
            "total": len(self.results), "passed": count[Outcome.PASSED], "failed": count[Outcome.FAILED],
            "skipped": count[Outcome.SKIPPED], "errors": count[Outcome.ERROR],
            "must_failed": must_failed, "verdict": verdict,
        }

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
