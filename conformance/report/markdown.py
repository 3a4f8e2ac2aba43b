"""summary.md: the verdict and every requirement's outcome, for CI job summaries and pull requests."""

from __future__ import annotations

from typing import Any

ICONS = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "error": "⚠️"}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_summary(report: dict[str, Any]) -> str:
    plugin, server, summary = report["plugin"], report["server"], report["summary"]
    lines = [
        f"# {plugin['name']}: {summary['verdict']}",
        "",
        f"{plugin['type']} plugin `{plugin['sha256'][:12]}…`, "
        f"server {server['kind']} {server.get('version') or ''} ({server['runtime']} runtime), "
        f"{report['started_at']}, {report['duration_s']:.1f} s.",
        "",
        f"{summary['passed']} passed, {summary['failed']} failed ({summary['must_failed']} MUST), "
        f"{summary['skipped']} skipped, {summary['errors']} errors.",
        "",
    ]
    regressions = (report.get("baseline") or {}).get("regressions")
    if regressions:
        lines += [f"**Regressed since the baseline:** {', '.join(regressions)}", ""]
    lines += ["| | id | level | requirement | result |", "|---|---|---|---|---|"]
    for result in report["results"]:
        lines.append(f"| {ICONS.get(result['outcome'], '')} | {result['id']} | {result['level']} | "
                     f"{_cell(result['title'])} | {_cell(result['message'])} |")
    metrics = {k: v for k, v in report.get("metrics", {}).items() if v is not None}
    if metrics:
        lines += ["", "| metric | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in metrics.items()]
    return "\n".join(lines) + "\n"
