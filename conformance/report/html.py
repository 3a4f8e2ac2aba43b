"""report.html: one self-contained page (no network: inline CSS, no scripts but a print helper) from report.json."""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
from pathlib import Path
from typing import Any

import jinja2

from conformance.catalog import AREAS, BY_ID
from conformance.report.headline import headline, regressed

TEMPLATES = Path(__file__).resolve().parent / "templates"
OUTCOMES = ("passed", "failed", "skipped", "error")
LEVELS = ("MUST", "SHOULD", "MAY")
AREA_ORDER = tuple(AREAS.values())
METRIC_LABELS = {
    "handshake_ms": ("handshake", "ms"),
    "first_request_ms": ("first request", "ms"),
    "rpc_p50_ms": ("RPC p50", "ms"),
    "rpc_p99_ms": ("RPC p99", "ms"),
    "shutdown_ms": ("shutdown", "ms"),
    "plugin_rss_mb": ("plugin RSS", "MB"),
    "path_requests": ("requests through the server", ""),
}
# Printing opens every <details> (browsers without CSS ::details-content need this); the page's CSP allows
# exactly this script by its hash and nothing else, so no planted text could ever run.
PRINT_SCRIPT = ('addEventListener("beforeprint",function(){document.querySelectorAll("details:not([open])")'
                '.forEach(function(d){d.open=true;d.setAttribute("data-print-opened","")})});'
                'addEventListener("afterprint",function(){document.querySelectorAll("details[data-print-opened]")'
                '.forEach(function(d){d.open=false;d.removeAttribute("data-print-opened")})});')


def csp_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def duration(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)):
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def tally(results: list[dict[str, Any]]) -> str:
    """'11 passed · 2 skipped': the outcomes that occur, in a fixed order."""
    counts = [(sum(1 for r in results if r["outcome"] == o), o) for o in OUTCOMES]
    return " · ".join(f"{n} {o}" for n, o in counts if n)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["duration"] = duration
    env.filters["tally"] = tally
    return env


def reproduce_command(document: dict[str, Any], requirement_id: str) -> str:
    """The command that re-checks one requirement against the same plugin, server and runtime."""
    plugin, server = document["plugin"], document["server"]
    words = ["vault-conformance", "certify"]
    if plugin.get("manifest"):  # not in schema v1; used when a future report records its manifest
        words += ["--manifest", plugin["manifest"]]
    else:
        words += [plugin.get("path") or plugin["name"], "--type", plugin["type"]]
        if plugin.get("path") and Path(plugin["path"]).name != plugin["name"]:
            words += ["--name", plugin["name"]]
        if plugin.get("version"):
            words += ["--plugin-version", plugin["version"]]
    words += ["--runtime", server["runtime"]]
    if server.get("kind") in ("openbao", "vault"):
        words += ["--server", server["kind"]]
        if server.get("version"):
            words += ["--server-version", str(server["version"])]
    words += ["-k", requirement_id]
    return shlex.join(words)


def area_rank(area: str) -> tuple[int, str]:
    return (AREA_ORDER.index(area) if area in AREA_ORDER else len(AREA_ORDER), area)


def _row(document: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    requirement = BY_ID.get(result["id"])
    return {
        **result,
        "source": requirement.source if requirement else None,
        "evidence_json": json.dumps(result.get("evidence") or {}, indent=2, ensure_ascii=False, default=str),
        "reproduce": reproduce_command(document, result["id"]),
    }


def level_counts(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for level in LEVELS:
        of_level = [r for r in results if r["level"] == level]
        if of_level:
            rows.append({"level": level, "total": len(of_level),
                         **{o: sum(1 for r in of_level if r["outcome"] == o) for o in OUTCOMES}})
    return rows


def html_report(document: dict[str, Any]) -> str:
    results = [_row(document, r) for r in document["results"]]
    areas: dict[str, list[dict[str, Any]]] = {}
    for row in results:
        areas.setdefault(row["area"], []).append(row)
    metrics = [{"key": key, "label": METRIC_LABELS.get(key, (key, ""))[0], "unit": METRIC_LABELS.get(key, ("", ""))[1],
                "value": value} for key, value in (document.get("metrics") or {}).items()]
    baseline = document.get("baseline") or None
    return environment().get_template("report.html.j2").render(
        doc=document,
        plugin=document["plugin"],
        server=document["server"],
        summary=document["summary"],
        headline=headline(document),
        regressed=bool(regressed(document)),
        counts=level_counts(document["results"]),
        metrics=metrics,
        baseline=baseline,
        failures=[r for r in results if r["outcome"] in ("failed", "error")],
        areas=sorted(areas.items(), key=lambda item: area_rank(item[0])),
        processes=document.get("processes"),
        outcomes=OUTCOMES,
        print_script=PRINT_SCRIPT,
        script_hash=csp_hash(PRINT_SCRIPT),
    )
