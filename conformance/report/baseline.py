"""A run judged against a baseline report (--baseline): what regressed, what was lost, what improved.

A requirement regresses when it passed in the baseline and now fails or errors; it is *lost coverage* when it
passed there and is unchecked now (a manifest recipe removed, a runtime without a server): both fail the gate,
so deleting the manifest from CI cannot quietly drop every lease check. Metrics (timings, memory) are compared
and reported, but fail the gate only when asked (--gate-metrics): on a loaded CI machine a figure moves by
more than any fixed allowance. A baseline of another plugin, plugin type, server or runtime is refused unless
asked (--baseline-any): its differences would not be regressions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.errors import UsageError
from conformance.report.model import SCHEMA

# A metric regresses when it grew by more than half AND by more than the noise a loaded machine makes.
METRIC_REGRESSION_FACTOR = 1.5
METRIC_NOISE = {"handshake_ms": 50.0, "first_request_ms": 50.0, "rpc_p50_ms": 20.0, "rpc_p99_ms": 50.0,
                "shutdown_ms": 100.0, "plugin_rss_mb": 20.0}


def load_baseline(path: str | None) -> dict | None:
    if path is None:
        return None
    try:
        document = json.loads(Path(path).read_text())
    except OSError as error:
        raise UsageError(f"cannot read baseline {path}: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"baseline {path} is not JSON: {error}") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA or not isinstance(document.get("results"), list):
        raise UsageError(f"baseline {path} is not a {SCHEMA} report")
    return document


def refuse_other_subject(baseline: dict, path: str, plugin_name: str, plugin_type: str, server_kind: str,
                         runtime: str) -> None:
    """UsageError unless the baseline is of the same plugin, type, server kind and runtime as this run."""
    plugin, server = baseline.get("plugin") or {}, baseline.get("server") or {}
    ours = {"plugin": plugin_name, "type": plugin_type, "server": server_kind, "runtime": runtime}
    theirs = {"plugin": plugin.get("name"), "type": plugin.get("type"),
              "server": server.get("kind") if server.get("kind") != "none" else server_kind if runtime == "wire"
              else "none", "runtime": server.get("runtime")}
    differ = [f"{key} {theirs[key]!r} (this run: {ours[key]!r})" for key in ours if theirs[key] != ours[key]]
    if differ:
        raise UsageError(f"baseline {path} is of another {', '.join(differ)}: its differences would not be "
                         "regressions; give --baseline-any to compare anyway")


def regressions(baseline: dict, results: list[dict[str, Any]]) -> list[str]:
    passed_before = {r.get("id") for r in baseline["results"] if r.get("outcome") == "passed"}
    return sorted(r["id"] for r in results if r["id"] in passed_before and r["outcome"] in ("failed", "error"))


def lost_coverage(baseline: dict, results: list[dict[str, Any]]) -> list[str]:
    passed_before = {r.get("id") for r in baseline["results"] if r.get("outcome") == "passed"}
    return sorted(r["id"] for r in results if r["id"] in passed_before and r["outcome"] == "skipped")


def improvements(baseline: dict, results: list[dict[str, Any]]) -> list[str]:
    failed_before = {r.get("id") for r in baseline["results"] if r.get("outcome") in ("failed", "error")}
    return sorted(r["id"] for r in results if r["id"] in failed_before and r["outcome"] == "passed")


def metric_regressions(baseline: dict, metrics: dict) -> list[str]:
    found = []
    for key, noise in METRIC_NOISE.items():
        old, new = (baseline.get("metrics") or {}).get(key), metrics.get(key)
        if isinstance(old, (int, float)) and isinstance(new, (int, float)) and old > 0 \
                and new > old * METRIC_REGRESSION_FACTOR and new - old > noise:
            found.append(f"{key}: {old} -> {new} (+{(new / old - 1) * 100:.0f}%)")
    return found


def judge(baseline: dict, path: str, results: list[dict[str, Any]], metrics: dict, runtime: str,
          gate_metrics: bool) -> dict[str, Any]:
    """report.json's baseline block. Figures compare only within one runtime (a wire round trip is not an HTTP
    one through a server)."""
    same_runtime = (baseline.get("server") or {}).get("runtime") == runtime
    return {"path": path, "regressions": regressions(baseline, results),
            "lost_coverage": lost_coverage(baseline, results),
            "improvements": improvements(baseline, results),
            "metric_regressions": metric_regressions(baseline, metrics) if same_runtime else [],
            "metrics_gate": gate_metrics}
