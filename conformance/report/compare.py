"""Compare reports side by side (a matrix: requirements x reports), and merge reports of sharded runs.

compare(documents) -> Matrix; matrix_html(matrix) and matrix_markdown(matrix) render it.
merge(documents) -> one report document from runs of the same plugin, server and runtime
(e.g. several `-k` subsets): a checked result wins over a skipped one; when two checked results
disagree the worse is kept and the merged result says so.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from collections import Counter
from typing import Any

from conformance.catalog import BY_ID, REQUIREMENTS
from conformance.report.html import area_rank, duration, environment
from conformance.report.model import summarise

# How bad an outcome is: a merge keeps the worst of conflicting checked results.
SEVERITY = {"skipped": 0, "passed": 1, "failed": 2, "error": 3}
ICONS = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "error": "⚠️", None: "—"}
CATALOG_ORDER = {r.id: i for i, r in enumerate(REQUIREMENTS)}


def _id_order(requirement_id: str) -> tuple[int, str]:
    return (CATALOG_ORDER.get(requirement_id, len(CATALOG_ORDER)), requirement_id)


# ---------------------------------------------------------------------------------------------------- merge

def run_identity(document: dict[str, Any]) -> tuple:
    """What makes reports shards of one run: the same plugin binary, server and runtime."""
    plugin, server = document["plugin"], document["server"]
    return (plugin["name"], plugin.get("sha256"), plugin.get("version"),
            server.get("kind"), server.get("version"), server.get("runtime"))


def _skip_weight(result: dict[str, Any]) -> int:
    """Among skipped results, prefer the one with the real reason over 'not selected' / 'not run'."""
    message = result.get("message", "")
    if message.startswith("not selected"):
        return 0
    if message.startswith("not run:"):
        return 1
    return 2


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary block of report v1 for these results (the same rules as a certification's own report)."""
    return summarise(results)


def _pick(candidates: list[tuple[int, dict[str, Any]]], documents: list[dict[str, Any]]
          ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The merged result of one requirement, and a conflict record when checked outcomes disagree."""
    checked = [(i, r) for i, r in candidates if r["outcome"] != "skipped"]
    if not checked:
        best = max(candidates, key=lambda c: _skip_weight(c[1]))  # max keeps the first of equals
        return copy.deepcopy(best[1]), None
    outcomes = {r["outcome"] for _, r in checked}
    first_worst = max(checked, key=lambda c: SEVERITY[c[1]["outcome"]])
    kept = copy.deepcopy(first_worst[1])
    if len(outcomes) == 1:
        return kept, None
    seen = [{"report": i + 1, "started_at": documents[i].get("started_at"), "outcome": r["outcome"]}
            for i, r in checked]
    described = ", ".join(f"{s['outcome']} in report {s['report']}" for s in seen)
    kept["message"] = (f"conflicting outcomes across the merged reports ({described}); "
                       f"kept the worse, {kept['outcome']}: {kept['message']}")
    return kept, {"id": kept["id"], "outcomes": seen, "kept": kept["outcome"]}


def merge(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """One report from reports of sharded runs of the same plugin, server and runtime."""
    if not documents:
        raise ValueError("merge: no reports given")
    identities = {run_identity(d) for d in documents}
    if len(identities) > 1:
        described = "; ".join(" ".join(str(part) for part in identity) for identity in sorted(identities, key=str))
        raise ValueError(f"merge: the reports are not of one plugin, server and runtime ({described})")

    candidates: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for index, document in enumerate(documents):
        for result in document["results"]:
            candidates.setdefault(result["id"], []).append((index, result))
    results, conflicts = [], []
    for requirement_id in sorted(candidates, key=_id_order):
        result, conflict = _pick(candidates[requirement_id], documents)
        results.append(result)
        if conflict:
            conflicts.append(conflict)

    first = documents[0]
    merged: dict[str, Any] = {
        "schema": first["schema"],
        "tool": copy.deepcopy(first["tool"]),
        "plugin": copy.deepcopy(first["plugin"]),
        "server": copy.deepcopy(first["server"]),
        "started_at": min((d["started_at"] for d in documents), key=_instant),
        "duration_s": round(sum(d.get("duration_s", 0.0) for d in documents), 3),
        "summary": summarize(results),
        "results": results,
        "metrics": _merge_metrics(documents),
    }
    processes = [p for d in documents for p in (d.get("processes") or [])]
    if any("processes" in d for d in documents):
        unique = {(p.get("pid"), p.get("started_at")): p for p in processes}
        merged["processes"] = sorted(unique.values(), key=lambda p: str(p.get("started_at")))
    multiplexing = next((d["multiplexing"] for d in documents if d.get("multiplexing")), None)
    if multiplexing:
        merged["multiplexing"] = copy.deepcopy(multiplexing)
    baselines = [d["baseline"] for d in documents if d.get("baseline")]
    if baselines:
        merged["baseline"] = _merge_baselines(baselines, merged["results"])
    merged["merged_from"] = [
        {"started_at": d["started_at"], "duration_s": d.get("duration_s"),
         "checked": sum(1 for r in d["results"] if r["outcome"] != "skipped")} for d in documents]
    if conflicts:
        merged["merge_conflicts"] = conflicts
    return merged


def _instant(stamp: str) -> dt.datetime:
    """An ISO 8601 time as an instant (string order fails when one has no fraction of a second)."""
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _merge_baselines(baselines: list[dict[str, Any]], results: list[dict[str, Any]]) -> dict[str, Any]:
    """The shards' baseline blocks as one: every shard's regressions and improvements; what a shard lost and
    no other shard checked; every metric line; metrics gate if any shard gated them."""
    outcome = {r["id"]: r["outcome"] for r in results}
    every = lambda key: {item for b in baselines for item in b.get(key) or []}  # noqa: E731
    merged = copy.deepcopy(baselines[0])
    merged.update({
        "regressions": sorted(every("regressions")),
        "lost_coverage": sorted(rid for rid in every("lost_coverage") if outcome.get(rid) == "skipped"),
        "improvements": sorted(every("improvements")),
        "metric_regressions": sorted(every("metric_regressions")),
    })
    if any("metrics_gate" in b for b in baselines):
        merged["metrics_gate"] = any(b.get("metrics_gate") for b in baselines)
    return merged


def _merge_metrics(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Per metric, the first report's figure that is not null (shards that did not measure it have null)."""
    keys: list[str] = []
    for document in documents:
        keys += [k for k in (document.get("metrics") or {}) if k not in keys]
    return {key: next((d["metrics"][key] for d in documents if (d.get("metrics") or {}).get(key) is not None), None)
            for key in keys}


def merge_shards(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge the reports that are shards of one run (same plugin, server and runtime); keep the order seen."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for document in documents:
        groups.setdefault(run_identity(document), []).append(document)
    return [group[0] if len(group) == 1 else merge(group) for group in groups.values()]


# -------------------------------------------------------------------------------------------------- compare

@dataclass
class Column:
    label: str
    document: dict[str, Any]

    @property
    def summary(self) -> dict[str, Any]:
        return self.document["summary"]

    @property
    def verdict(self) -> str:
        return self.document["summary"]["verdict"]

    @property
    def scope(self) -> str:
        """Which MUSTs the verdict covers ("38 of 58 applicable MUSTs checked"); empty for reports made before."""
        coverage = self.document["summary"].get("coverage")
        if not coverage:
            return ""
        return f"{coverage['checked_must']} of {coverage['scope']} checked"

    @property
    def conflicts(self) -> list[dict[str, Any]]:
        return self.document.get("merge_conflicts") or []


@dataclass
class Cell:
    outcome: str | None  # None: the report has no result for this requirement
    duration_s: float | None = None
    message: str = ""

    @property
    def checked(self) -> bool:
        return self.outcome not in (None, "skipped")

    @property
    def time(self) -> str:
        return duration(self.duration_s) if self.checked else ""


@dataclass
class Row:
    id: str
    level: str
    area: str
    title: str
    cells: list[Cell]

    @property
    def differs(self) -> bool:
        """The reports that checked this requirement disagree on its outcome."""
        return len({c.outcome for c in self.cells if c.checked}) > 1

    @property
    def partly_checked(self) -> bool:
        """Checked in some reports, skipped (or absent) in others: a gap in coverage, not a disagreement."""
        return any(c.checked for c in self.cells) and not all(c.checked for c in self.cells)


@dataclass
class Matrix:
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)

    @property
    def areas(self) -> list[tuple[str, list[Row]]]:
        grouped: dict[str, list[Row]] = {}
        for row in self.rows:
            grouped.setdefault(row.area, []).append(row)
        return sorted(grouped.items(), key=lambda item: area_rank(item[0]))

    @property
    def differing(self) -> list[str]:
        return [row.id for row in self.rows if row.differs]

    @property
    def partly_checked(self) -> list[str]:
        return [row.id for row in self.rows if row.partly_checked and not row.differs]

    @property
    def headline(self) -> str:
        text = f"{len(self.differing)} of {len(self.rows)} requirements differ"
        if self.partly_checked:
            text += f"; {len(self.partly_checked)} more checked in only some reports"
        return text


def column_label(document: dict[str, Any]) -> str:
    plugin, server = document["plugin"], document["server"]
    parts = [" ".join(p for p in (plugin["name"], plugin.get("version")) if p),
             "no server" if server.get("kind") == "none"
             else " ".join(p for p in (server.get("kind"), server.get("version")) if p),
             server.get("runtime") or ""]
    return " · ".join(p for p in parts if p)


def _labels(documents: list[dict[str, Any]]) -> list[str]:
    labels = [column_label(d) for d in documents]
    for label, count in Counter(labels).items():
        if count < 2:
            continue
        same = [i for i, l in enumerate(labels) if l == label]
        for tell in (lambda d: "sha256 " + (d["plugin"].get("sha256") or "")[:12], lambda d: d.get("started_at")):
            if len({tell(documents[i]) for i in same}) == len(same):
                for i in same:
                    labels[i] = f"{label} ({tell(documents[i])})"
                break
        else:
            for n, i in enumerate(same, start=1):
                labels[i] = f"{label} (#{n})"
    return labels


def compare(documents: list[dict[str, Any]]) -> Matrix:
    """A matrix of the requirements (union over the reports, catalog order) against the reports."""
    if not documents:
        raise ValueError("compare: no reports given")
    columns = [Column(label, document) for label, document in zip(_labels(documents), documents)]
    by_report = [{r["id"]: r for r in d["results"]} for d in documents]
    ids = sorted({rid for results in by_report for rid in results}, key=_id_order)
    rows = []
    for rid in ids:
        known = next(results[rid] for results in by_report if rid in results)
        requirement = BY_ID.get(rid)
        cells = [Cell(results[rid]["outcome"], results[rid].get("duration_s"), results[rid].get("message", ""))
                 if rid in results else Cell(None, None, "not in this report") for results in by_report]
        rows.append(Row(rid, known.get("level") or (requirement.level.value if requirement else "?"),
                        known.get("area") or (requirement.area if requirement else "?"),
                        known.get("title") or (requirement.title if requirement else ""), cells))
    return Matrix(columns, rows)


def matrix_html(matrix: Matrix) -> str:
    return environment().get_template("compare.html.j2").render(matrix=matrix, icons=ICONS)


def _md(text: Any) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def matrix_markdown(matrix: Matrix) -> str:
    columns = matrix.columns
    lines = ["# Conformance comparison", "", f"**{matrix.headline}.**", ""]
    lines += [f"{n}. {_md(c.label)}: {c.document['plugin']['type']} plugin, sha256 "
              f"`{(c.document['plugin'].get('sha256') or '')[:12]}`, started {c.document.get('started_at')}"
              + (f", merged from {len(c.document['merged_from'])} reports" if c.document.get("merged_from") else "")
              for n, c in enumerate(columns, start=1)]
    lines += ["", "| | " + " | ".join(_md(c.label) for c in columns) + " |",
              "|---|" + "---|" * len(columns),
              "| **verdict** | " + " | ".join(f"**{c.verdict}**" for c in columns) + " |",
              "| MUSTs checked | " + " | ".join(_md(c.scope) or "-" for c in columns) + " |",
              "| passed / failed / skipped / errors | " + " | ".join(
                  f"{c.summary['passed']} / {c.summary['failed']} / {c.summary['skipped']} / {c.summary['errors']}"
                  for c in columns) + " |"]
    for area, rows in matrix.areas:
        lines += ["", f"## {area}", "",
                  "| | id | level | " + " | ".join(f"({n})" for n in range(1, len(columns) + 1)) + " |",
                  "|---|---|---|" + "---|" * len(columns)]
        for row in rows:
            mark = "≠" if row.differs else ("◐" if row.partly_checked else "")
            cells = [f"{ICONS[c.outcome]} {c.outcome or 'absent'}" + (f" {c.time}" if c.time else "")
                     for c in row.cells]
            lines.append(f"| {mark} | {'**' + row.id + '**' if row.differs else row.id} | {row.level} | "
                         + " | ".join(cells) + " |")
    conflicts = [(n, c) for n, c in enumerate(columns, start=1) if c.conflicts]
    if conflicts:
        lines += ["", "## Conflicts merged", ""]
        for n, column in conflicts:
            for conflict in column.conflicts:
                seen = ", ".join(f"{o['outcome']} (report {o['report']})" for o in conflict["outcomes"])
                lines.append(f"- ({n}) {conflict['id']}: {seen}; kept {conflict['kept']}")
    lines += ["", "≠ the reports that checked it disagree; ◐ checked in only some reports."]
    return "\n".join(lines) + "\n"
