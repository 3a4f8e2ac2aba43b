"""summary.md: short enough for a pull request comment or $GITHUB_STEP_SUMMARY.

The verdict and counts first, then what a reader must act on (regressions
against a baseline, failed MUSTs, one line each), then a table by area. No
links: it must read the same pasted anywhere. The full matrix is report.html.
"""

from __future__ import annotations

from typing import Any

from conformance.report.headline import headline, regressed

ICONS = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "error": "⚠️"}
VERDICT_ICONS = {"conformant": "✅", "non-conformant": "❌", "incomplete": "🟡", "error": "⚠️"}
OUTCOMES = ("passed", "failed", "skipped", "error")
MESSAGE_CHARS = 220


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS - 1] + "…"


def _without_id(result: dict[str, Any]) -> str:
    """A failure's message without the "ID (LEVEL): " it starts with (the list names the id already)."""
    return result["message"].removeprefix(f"{result['id']} ({result['level']}): ").removeprefix(f"{result['id']}: ")


def _icon(report: dict[str, Any]) -> str:
    if regressed(report):
        return "❌"
    return VERDICT_ICONS.get(report["summary"]["verdict"], "")


def markdown_summary(report: dict[str, Any]) -> str:
    plugin, server, summary = report["plugin"], report["server"], report["summary"]
    results = report["results"]
    lines = [
        f"# {_icon(report)} {plugin['name']}: {headline(report)}",
        "",
        f"{plugin['type']} plugin {plugin.get('version') or '(no version)'} `{plugin['sha256'][:12]}…`, "
        f"server {server['kind']} {server.get('version') or ''} ({server['runtime']} runtime), "
        f"{report['started_at']}, {report['duration_s']:.1f} s.",
        "",
        f"{summary['passed']} passed, {summary['failed']} failed ({summary['must_failed']} MUST), "
        f"{summary['skipped']} skipped, {summary['errors']} errors.",
        "",
    ]
    coverage = summary.get("coverage")
    if coverage is not None:
        lines += [f"MUSTs checked: {coverage['checked_must']} of {coverage['scope']}.", ""]
    by_level = {level: {o: sum(1 for r in results if r["level"] == level and r["outcome"] == o) for o in OUTCOMES}
                for level in ("MUST", "SHOULD", "MAY")}
    lines += ["| level | passed | failed | skipped | errors |", "|---|---|---|---|---|"]
    lines += [f"| {level} | " + " | ".join(str(counts[o]) for o in OUTCOMES) + " |"
              for level, counts in by_level.items() if any(counts.values())]
    lines.append("")
    baseline = report.get("baseline") or {}
    by_id = {r["id"]: r for r in results}
    if baseline.get("regressions"):
        lines += [f"## Regressions since the baseline ({len(baseline['regressions'])})", ""]
        lines += [f"- **{i}** ({by_id[i]['level']}): {_short(_without_id(by_id[i]))}" for i in baseline["regressions"]
                  if i in by_id]
        lines.append("")
    if baseline.get("metric_regressions"):
        lines += ["**Metrics worse than the baseline by more than 50%:** " + "; ".join(baseline["metric_regressions"]), ""]
    if baseline.get("improvements"):
        lines += [f"Improved since the baseline: {', '.join(baseline['improvements'])}.", ""]
    if baseline.get("lost_coverage"):
        lines += [f"**lost coverage:** {', '.join(baseline['lost_coverage'])} (passed in the baseline, unchecked now)", ""]
    waiting = [item for item in (coverage or {}).get("not_checked", []) if item["kind"] == "needs-manifest"]
    if waiting:
        remedies: dict[str, list[str]] = {}
        for item in waiting:
            remedies.setdefault(item["how"], []).append(item["id"])
        lines += [f"## Unchecked MUST requirements ({len(waiting)}): needs-manifest", ""]
        lines += [f"- {_short(how)}: {', '.join(f'**{rid}**' for rid in ids)}" for how, ids in remedies.items()]
        lines.append("")
    failed_musts = [r for r in results if r["outcome"] in ("failed", "error") and r["level"] == "MUST"]
    if failed_musts:
        lines += [f"## Failed MUST requirements ({len(failed_musts)})", ""]
        lines += [f"- **{r['id']}**: {_short(_without_id(r))}" for r in failed_musts]
        lines.append("")
    others = [r for r in results if r["outcome"] in ("failed", "error") and r["level"] != "MUST"]
    if others:
        lines += [f"Also failed ({len(others)}, not MUST): " + ", ".join(f"{r['id']} ({r['level']})" for r in others), ""]
    areas: dict[str, dict[str, int]] = {}
    for result in results:
        areas.setdefault(result["area"], {o: 0 for o in OUTCOMES})[result["outcome"]] += 1
    lines += ["| area | passed | failed | skipped | errors |", "|---|---|---|---|---|"]
    lines += [f"| {area} | " + " | ".join(f"{ICONS[o]} {n}" if n and o in ("failed", "error") else str(n)
                                          for o, n in counts.items()) + " |"
              for area, counts in areas.items()]
    metrics = {k: v for k, v in report.get("metrics", {}).items() if v is not None}
    if metrics:
        lines += ["", "Metrics: " + ", ".join(f"{k} {v}" for k, v in metrics.items()) + "."]
    return "\n".join(lines) + "\n"
